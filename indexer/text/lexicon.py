"""Small bilingual word lists the found decision reads questions with (all folded: lower case, no accents).

- `TITLE_WORDS`: English words that news capitalises without naming anything by themselves (Court,
  Senate, January, Chinese). The French text spells them otherwise (cour, Sénat, janvier, chinois),
  so as names they would make covered English questions look absent.
- `ALIASES`: English names of places and institutions whose French name differs ('china' -> 'chine').
- `RELATIONS`: the news relations a question can ask about, by the stems of their words in both
  languages: a passage that answers 'Who bought X?' reports a purchase.
- `ASKS`: the facts a question can ask for (an amount, a date), which the answering passage must hold.
"""

from __future__ import annotations

_MONTHS_DAYS = ("january february march april may june july august september october november december "
                "monday tuesday wednesday thursday friday saturday sunday christmas easter")
_INSTITUTIONS = ("court supreme senate congress house white county state states united department ministry government "
                 "federal superior high commission parliament union council agency office bureau authority committee administration "
                 "president prime minister chancellor king queen pope prince secretary general attorney justice "
                 "ceo cto cfo founder cofounder chief officer director chairman chairwoman executive board "
                 "city republic kingdom empire national international global world central northern southern eastern "
                 "western north south east west new old great big valley street university institute college school "
                 "foundation lab labs research center centre group company companies corporation inc ltd news "
                 "newsletter weekly daily issue brew edition team army navy police church cathedral battle war treaty "
                 "revolution river mountain island lake sea ocean bay coast province region island islands district")
_DEMONYMS = ("american americans european europeans chinese french german germans british english japanese korean "
             "indian russian italian spanish canadian israeli saudi african asian arab dutch swiss swedish norwegian "
             "danish finnish polish greek turkish egyptian moroccan algerian tunisian mexican brazilian argentinian "
             "australian irish scottish welsh austrian hungarian belgian portuguese ukrainian iranian iraqi "
             "taiwanese vietnamese indonesian thai filipino pakistani african western eastern muslim christian "
             "catholic protestant jewish islamic norman normans roman romans byzantine ottoman ottomans soviet")
# Common nouns and adjectives inside English proper names that French translates (the Stanley Cup is
# la Coupe Stanley, the Seven Years' War la guerre de Sept Ans).
_NAME_WORDS = ("cup trophy championship championships league award awards prize day days act treaty war wars years "
               "independence revolution empire earth world black red green blue golden silver first second third last "
               "magic people party front movement assembly defence defense community literature oral holy saint saints "
               "age ages middle modern ancient civil cold grand royal imperial free liberation resistance station airport "
               "museum library gallery hall tower bridge palace castle park garden square road avenue")
TITLE_WORDS = frozenset(f"{_MONTHS_DAYS} {_INSTITUTIONS} {_DEMONYMS} {_NAME_WORDS}".split())

# Acronyms of common nouns ('LLM', 'GPU', 'IPO'): written in capitals, they name nothing by themselves,
# and the French text may spell them otherwise ('grand modèle de langage', 'introduction en bourse').
GENERIC_ACRONYMS = frozenset("llm slm vlm gpu cpu tpu npu api sdk agi asi ipo saas iot kpi roi faq pdf rag "
                             "ml nlp ar vr xr ui ux hr rh pdg dg r&d".split())

ALIASES: dict[str, tuple[str, ...]] = {
    # countries and regions
    "china": ("chine",), "germany": ("allemagne",), "spain": ("espagne",), "italy": ("italie",), "japan": ("japon",),
    "india": ("inde",), "brazil": ("bresil",), "russia": ("russie",), "korea": ("coree",), "england": ("angleterre",),
    "britain": ("bretagne", "royaume-uni"), "switzerland": ("suisse",), "netherlands": ("pays-bas",),
    "belgium": ("belgique",), "sweden": ("suede",), "norway": ("norvege",), "denmark": ("danemark",),
    "poland": ("pologne",), "greece": ("grece",), "turkey": ("turquie",), "egypt": ("egypte",), "morocco": ("maroc",),
    "algeria": ("algerie",), "tunisia": ("tunisie",), "mexico": ("mexique",), "australia": ("australie",),
    "ireland": ("irlande",), "scotland": ("ecosse",), "austria": ("autriche",), "hungary": ("hongrie",),
    "singapore": ("singapour",), "indonesia": ("indonesie",), "malaysia": ("malaisie",), "thailand": ("thailande",),
    "arabia": ("arabie",), "emirates": ("emirats",), "africa": ("afrique",), "asia": ("asie",), "america": ("amerique",),
    "usa": ("etats-unis", "americain", "americaine"), "acadia": ("acadie",), "prussia": ("prusse",),
    "lebanon": ("liban",), "syria": ("syrie",), "cyprus": ("chypre",), "croatia": ("croatie",), "serbia": ("serbie",),
    "romania": ("roumanie",), "bulgaria": ("bulgarie",), "czechia": ("tchequie",), "slovakia": ("slovaquie",),
    "lithuania": ("lituanie",), "latvia": ("lettonie",), "estonia": ("estonie",), "finland": ("finlande",),
    "iceland": ("islande",), "cambodia": ("cambodge",), "colombia": ("colombie",), "argentina": ("argentine",),
    "peru": ("perou",), "chile": ("chili",), "ethiopia": ("ethiopie",), "nigeria": ("nigeria",), "kenya": ("kenya",),
    "scandinavia": ("scandinavie",), "brittany": ("bretagne",), "normandy": ("normandie",), "burgundy": ("bourgogne",),
    "corsica": ("corse",), "sicily": ("sicile",), "sardinia": ("sardaigne",), "lombardy": ("lombardie",),
    "flanders": ("flandre", "flandres"), "bavaria": ("baviere",), "catalonia": ("catalogne",), "crimea": ("crimee",),
    # cities
    "london": ("londres",), "brussels": ("bruxelles",), "beijing": ("pekin",), "moscow": ("moscou",),
    "geneva": ("geneve",), "vienna": ("vienne",), "lisbon": ("lisbonne",), "venice": ("venise",), "athens": ("athenes",),
    "warsaw": ("varsovie",), "copenhagen": ("copenhague",), "cairo": ("caire",), "algiers": ("alger",),
    "edinburgh": ("edimbourg",), "seville": ("seville",), "barcelona": ("barcelone",), "hague": ("haye",),
    "munich": ("munich",), "cologne": ("cologne",), "milan": ("milan",), "naples": ("naples",), "turin": ("turin",),
    "florence": ("florence",), "genoa": ("genes",), "mecca": ("mecque",), "jerusalem": ("jerusalem",),
    "quebec": ("quebec",), "montreal": ("montreal",), "new orleans": ("nouvelle-orleans",),
    # institutions and events
    "pentagon": ("pentagone",), "olympics": ("olympiques",), "olympic": ("olympiques", "olympique"),
    "vatican": ("vatican",), "bible": ("bible",), "nato": ("otan",), "unesco": ("unesco",),
    # acronyms spelt otherwise in French
    "gdpr": ("rgpd",), "who": ("oms",), "imf": ("fmi",), "ecb": ("bce",), "wto": ("omc",), "ioc": ("cio",),
    "cnil": ("cnil",), "ussr": ("urss",),
}

# Stems of the words that report each relation, in English and French (folded); a stem ending in '$'
# is a whole word.
RELATIONS: dict[str, tuple[str, ...]] = {
    "acquire": ("acquire", "acquisition", "acquis", "buy$", "buys$", "buying$", "bought$", "purchas", "takeover",
                "take over", "took over", "merge", "merger", "rachat", "rachet", "achet", "achat", "acquer", "acquier",
                "fusion", "reprise de", "reprend", "s'offre", "s'offrent"),
    "invest": ("invest", "stake$", "stakes$", "backed$", "backing$", "participation", "injecte", "mise de"),
    "fund": ("raise$", "raises$", "raised$", "raising$", "funding", "fundrais", "round$", "series a$", "series b$",
             "series c$", "valuation", "valued$", "financ", "leve$", "levee", "lever$", "levent$", "tour de table",
             "serie a$", "serie b$", "serie c$", "valoris"),
    "sue": ("sue$", "sues$", "sued$", "suing$", "lawsuit", "litigation", "court$", "courts$", "complaint", "poursui",
            "proces$", "plainte", "justice$", "tribunal", "assign", "condamn"),
    "ban": ("ban$", "bans$", "banned$", "banning$", "prohibit", "forbid", "forbade", "outlaw", "interdi", "prohib",
            "proscri", "bannir$", "bannit$", "banni$", "bannie$"),
    "fine": ("fine$", "fines$", "fined$", "penalt", "amende", "sanction"),
    "partner": ("partner", "alliance", "team up", "teamed up", "teams up", "collaborat", "partenari", "s'associe",
                "associe a", "accord avec", "deal with", "signed a deal", "signe un accord"),
    "hire": ("hire$", "hires$", "hired$", "hiring$", "recruit", "poach", "appoint", "joins$", "joined$", "join$",
             "recrut", "embauch", "debauch", "nomm", "rejoi", "rejoin"),
    "leave": ("resign", "step down", "steps down", "stepped down", "fired$", "quit$", "quits$", "left$", "leaves$",
              "departure", "demission", "quitt", "licenci", "renvoy", "limog", "depart$", "depart de"),
}

# What the question asks for, by its words anywhere (ASKS) or its first words (OPENERS); the passage
# that answers must hold such a fact: a sum of money for 'money', a number (not a year) for 'count',
# a year, month or day for 'date'.
ASKS: dict[str, tuple[str, ...]] = {
    "money": ("price", "prices$", "priced$", "cost", "pay$", "pays$", "paid$", "paying$", "spend", "spent$", "worth$",
              "valuation", "valued$", "fee$", "fees$", "charge$", "charges$", "salary", "revenue", "budget", "free$",
              "prix$", "cout", "paye", "payer$", "paie$", "depens", "montant", "valoris", "salaire", "chiffre d'affaires",
              "tarif", "gratuit", "facture"),
    "count": ("how many", "how much", "combien", "score$", "scores$", "number of", "nombre de"),
    "date": ("what year", "which year", "what date", "release date", "launch date", "quelle annee", "quelle date",
             "depuis quand", "date de sortie", "date de lancement"),
}
OPENERS: dict[str, tuple[str, ...]] = {"date": ("when ", "quand ", "a quelle date", "en quelle annee", "since when")}
