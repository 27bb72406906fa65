"""A question, read once: its language, the names it names, its BM25 terms, what it asks, its vector.

The engine makes one `Query` per question and hands it to search, the found decision and the answer,
so that nothing detects the language or tokenises the question twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import numpy as np

from indexer.text.lexical import _stopwords, fold, tokenize
from indexer.text.lexicon import ALIASES, ASKS, GENERIC_ACRONYMS, OPENERS, RELATIONS, TITLE_WORDS
from indexer.text.quantity import UNIT_WORDS, Quantity, quantities
from indexer.text.shape import shape_of


@dataclass(frozen=True)
class Name:
    """A name as the reader wrote it (folded: 'claude 5', 'openai') and the folded forms it may take
    in the archive ('china' -> 'china', 'chine'). A name followed by a number carries its version or
    year, which must match as written ('claude 5' is not 'claude 4.5')."""

    text: str
    forms: tuple[str, ...]
    acronym: bool = False  # written in capitals ('MCP'): its expansion ('Model Context Protocol') names it too


@dataclass(frozen=True)
class Query:
    text: str
    language: str  # 'fr' or 'en'
    names: tuple[Name, ...]
    terms: tuple[str, ...]  # BM25 terms, stemmed in `language`
    relations: tuple[str, ...] = ()  # what the question asks happened between its names: 'acquire', 'sue'…
    asks: tuple[str, ...] = ()  # the kind of fact it asks for: 'amount', 'date'
    years: tuple[str, ...] = ()  # years it names ('2026'), which the answer must be about
    counted: tuple[str, ...] = ()  # what 'combien de …' counts, as BM25 terms ('soldat'): the number must count it
    quantities: tuple[Quantity, ...] = ()  # amounts it names ('27B', '1.2 GW'), compared as numbers, not as names
    shape: str = "fact"  # the answer it wants: 'fact', 'subject' or 'list' (`indexer.text.shape`)
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


def read_query(text: str, embed: Callable[[str], np.ndarray] | None = None, *, language: str | None = None) -> Query:
    """The question's `Query`; `embed` (text -> vector) gives it its vector."""
    language = language or query_language(text)
    related, asked, amounts = relations(text), asks(text), tuple(quantities(text, language))
    found = names(text)
    return Query(
        text=text,
        language=language,
        names=tuple(Name(n, forms_of(n), _ACRONYM.fullmatch(n) is not None and n.upper() in text) for n in found),
        terms=tuple(tokenize(text, language)),
        relations=related,
        asks=asked,
        years=tuple(dict.fromkeys(_YEAR.findall(text))),
        counted=counted(text, language),
        quantities=amounts,
        shape=shape_of(text, names=tuple(found), relations=related, asks=asked, amounts=len(amounts), content=content_words(text)),
        vector=None if embed is None else embed(text),
    )


# --- language ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _langdetect_seeded():
    from langdetect import DetectorFactory, detect_langs

    DetectorFactory.seed = 0
    return detect_langs


_ENGLISH = frozenset("the a an of to in for on with at by from about into over did does do is are was were be been has have had "
                     "what which who whom whose how why when where can could will would should and or not its it this that these "
                     "any new make makes made get got buy buys bought launch launched release released say said says we our "
                     "there their than more most".split())
_FRENCH = frozenset("le la les un une des du de et est sont ont été a-t-il a-t-elle y quel quelle quels quelles qui que quoi "
                    "comment pourquoi combien où sur dans pour par avec au aux en ce cet cette ces il elle ils elles sans "
                    "leur leurs son sa ses nous vous on pas plus entre chez vers lors depuis été fait faire".split())
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


def query_language(query: str) -> str:
    """'fr' or 'en': the question's language, for the fusion weights, the BM25 stemmer and the found
    decision (French when unsure). Short questions are mostly names ('Nvidia buys Groq'), where
    langdetect guesses poorly, so function words and French accents vote first."""
    words = [w.lower() for w in _WORDS.findall(re.sub(r"\b[dlcjmnst]['’]|\bqu['’]", " le ", query, flags=re.IGNORECASE))]
    english = sum(w in _ENGLISH for w in words)
    french = sum(w in _FRENCH for w in words) + 2 * any(c in "éèêàùçôîœ" for c in query.lower())
    if english != french:
        return "en" if english > french else "fr"
    try:
        guesses = {g.lang: g.prob for g in _langdetect_seeded()(query)}
    except Exception:  # langdetect raises on text without letters
        return "fr"
    return "en" if guesses.get("en", 0.0) > guesses.get("fr", 0.0) else "fr"


def content_words(text: str) -> tuple[str, ...]:
    """The folded words of a text that are not stop words in either language."""
    words = [fold(w) for w in _WORDS.findall(text)]
    stop = _stopwords()
    return tuple(w for w in words if w not in stop and w not in _ENGLISH and w not in _FRENCH and len(w) > 1)


# --- names ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[\w][\w.+-]*\w|\w", re.UNICODE)
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:;]\s+|[\"«“(]\s*)$")
# Capitalised words that open questions and requests without being names.
_OPENERS = frozenset(
    "tell show give list explain find describe summarize summarise any anything has have is are was were did do does "
    "can could should would will what which who whom whose when where why how quel quels quelle quelles qui que quoi "
    "comment pourquoi combien où est sont y a-t-il donne dis cite résume resume explique décris decris parle "
    "using use latest recent new news top best more all everything about compare overview summary update updates since "
    "quand tout toute tous toutes peut peut-on faut-il existe est-ce nouveautés nouveautes nouveauté nouveaute "
    "nouveau nouvelle nouvelles dernières dernieres derniers dernier actualité actualite actus bilan résumé point "
    "focus zoom meilleurs meilleures comparaison liste face contre suite parmi selon avant après apres pendant depuis "
    "lors malgré malgre durant vers entre chez sans sous outre hormis".split()
)


_QUESTION_WORDS = frozenset("quel quels quelle quelles qui que quoi lequel laquelle lesquels lesquelles comment pourquoi "
                            "combien quand what which who whom whose when where why how".split())


def names(question: str) -> list[str]:
    """The question's names, folded: words with a capital past their first letter (OpenAI, iPhone),
    with digits (GPT-5, K2), or capitalised anywhere but as the question's opening word, except the
    English words that news capitalises without naming anything (Court, Senate, January: `TITLE_WORDS`)
    and the acronyms on every page ('AI', 'IA', 'EU': `_EVERYWHERE`). A name followed by a number or
    a version is one name with it: 'Claude 5', 'NeurIPS 2027', 'Midjourney V7'. Plural acronyms
    ('CVEs', 'LLMs') are named in the singular; 'AI-generated' names nothing."""
    found: list[str] = []
    previous_end, previous_name = -1, False
    amounts = [(q.start, q.end) for q in quantities(question)]
    for match in _TOKEN.finditer(question):
        if any(start <= match.start() < end for start, end in amounts):  # '27B', '1.2 GW': amounts, not names
            previous_name = False
            continue
        word = re.sub(r"['’]s$", "", match.group())
        if previous_name and _VERSION.fullmatch(word) and not _YEAR.fullmatch(word) \
                and question[previous_end : match.start()].strip() in ("", "-"):
            found[-1] = f"{found[-1]} {fold(word)}"
            previous_name, previous_end = False, match.end()
            continue
        if re.fullmatch(r"\d+(?:[.,]\d+)?", word):
            previous_name = False
            continue
        previous_name = _is_name(word, opening=bool(_SENTENCE_START.search(question[: match.start()])))
        if previous_name:
            found.append(fold(re.sub(r"^([A-Z]{2,})s$", r"\1", word)))
        previous_end = match.end()
    return list(dict.fromkeys(found))


_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|e|er|ème|eme|s)")
_VERSION = re.compile(r"\d+(?:[.,]\d+)*[a-z]?|[vV]\d+(?:\.\d+)*")
_EVERYWHERE = frozenset("ai ia eu ue us uk un tv pc ok it".split())  # acronyms on every page, or spelt otherwise in French


def _is_name(word: str, *, opening: bool) -> bool:
    """Whether one word of a question is a name (see `names`)."""
    if "-" in word and not any(c.isdigit() for c in word):  # a compound names something when one of its parts does
        return any(_is_name(part, opening=opening and n == 0) for n, part in enumerate(word.split("-")) if part)
    lower, digits = word.lower(), any(c.isdigit() for c in word)
    if _ORDINAL.fullmatch(lower):  # '19th', '1960s': a century, a decade, not a name
        return False
    if len(word) < 2 or not any(c.isalpha() for c in word) or fold(lower) in _EVERYWHERE:
        return False
    if fold(lower) in UNIT_WORDS or fold(re.sub(r"s$", "", lower)) in GENERIC_ACRONYMS or fold(lower) in GENERIC_ACRONYMS:
        return False  # 'GW', 'LLMs', 'GPU': units and common nouns written in capitals name nothing
    if not digits and fold(lower) in TITLE_WORDS:
        return False
    inner_capital = any(c.isupper() for c in word[1:]) and not word.isupper() or (word.isupper() and len(word) >= 2)
    inner_capital = inner_capital or bool(re.fullmatch(r"[A-Z]{2,}s", word))  # 'CVEs', 'LLMs'
    if lower in _stopwords() and not (inner_capital or digits):
        return False
    if lower in _QUESTION_WORDS:  # capitalised in the middle of a question ('de Quel club')
        return False
    capital = word[0].isupper() and not (opening and (lower in _OPENERS or lower in _stopwords()))
    return inner_capital or digits or capital


def forms_of(name: str) -> tuple[str, ...]:
    """The folded forms a name may take in the archive: itself, and its French name when it has one
    ('china' -> 'chine'; 'white house' is not a name, but 'supreme' and 'court' are title words)."""
    return (name, *ALIASES.get(name, ()))


def mentions(text: str, name: str | Name) -> bool:
    """Whether `text` mentions a name (a folded string or a `Name`, by any of its forms) as a whole
    word, accents and case folded: 'Gemini-3' mentions 'gemini 3', 'GPT5' mentions 'gpt-5', and
    'Claude 5.1' does not mention 'claude 5'. A version marked as one ('deepseek v3.2') may also stand
    apart from its name ('DeepSeek lance V3.2'); a bare number may not ('Claude … 5' is not 'Claude 5')."""
    return mentioned(fold(text), name) or (isinstance(name, Name) and name.acronym and expanded(text, name.text))


def mentioned(folded: str, name: str | Name) -> bool:
    """`mentions` for a text already folded (`lexical.fold`), to fold it once for many names."""
    forms = name.forms if isinstance(name, Name) else (name,)
    return any(_found(folded, form) for form in forms)


_ACRONYM = re.compile(r"[a-z]{2,6}")
_LINKS = r"(?:(?:of|the|for|and|de|du|des|la|le|les|et|pour|d'|l'|d’|l’)\s*)*"


@lru_cache(maxsize=1024)
def _expansion(acronym: str) -> re.Pattern:
    """Capitalised words whose initials spell `acronym`, small link words between them ('Model
    Context Protocol' for 'mcp', 'Agence Française de Développement' for 'afd')."""
    words = rf"\s+{_LINKS}".join(rf"{letter.upper()}[^\W\d_]{{2,}}" for letter in acronym)
    return re.compile(rf"(?<!\w){words}(?!\w)")


def expanded(text: str, acronym: str) -> bool:
    """Whether a text (not folded: the initials are capitals) spells out an acronym (`_expansion`)."""
    return bool(_expansion(fold(acronym)).search(text))


def _found(folded: str, form: str) -> bool:
    if _phrase(form).search(folded):
        return True
    base, _, version = form.rpartition(" ")
    return bool(base and _MARKED_VERSION.fullmatch(version) and _phrase(base).search(folded) and _phrase(version).search(folded))


_MARKED_VERSION = re.compile(r"v\d+(?:\.\d+)*")


@lru_cache(maxsize=4096)
def _phrase(form: str) -> re.Pattern:
    parts = []
    for part in form.split():
        # 'gpt5' matches 'gpt-5' and 'gpt 5': a separator may stand between letters and digits
        pieces = re.findall(r"\d+(?:[.,]\d+)*|[^\W\d_]+", part) or [part]
        parts.append(r"[\s.-]?".join(re.escape(p) for p in pieces))
    words = r"[\s-]+".join(parts) + ("s?" if form[-1:].isalpha() else "")  # 'LLM' names 'LLMs' too
    return re.compile(rf"(?<!\w){words}(?![\w]|[.,]\d)")


# --- what the question asks ----------------------------------------------------------------------

_YEAR = re.compile(r"(?<![\w.,])(?<!\d-)(?<!\d/)(1[5-9]\d\d|20\d\d)(?![\w]|[.,]\d)")  # '1996-1997': the season's first year


def relations(question: str) -> tuple[str, ...]:
    """The news relations the question asks about ('acquire', 'invest', 'sue'…: `RELATIONS`), by
    their words in English or French."""
    words = _FIXED.sub(" ", fold(question))
    return tuple(kind for kind, stems in RELATIONS.items() if has_stem(words, stems))


# Phrases made of relation words that ask about no relation.
_FIXED = re.compile(r"retours? sur investissements?|return on investments?|\broi\b")


def asks(question: str) -> tuple[str, ...]:
    """The kind of fact the question asks for: 'amount' (how much, combien, price…), 'date' (a
    question opening on when, quand…, or asking what year)."""
    words = fold(question).strip(" ¿¡\"«“")
    return tuple(kind for kind, stems in ASKS.items()
                 if has_stem(words, stems) or any(words.startswith(opener) for opener in OPENERS.get(kind, ())))


_COUNTED = re.compile(r"\b(?:combien|nombre|how many)\s+(?:de\s+|d'|of\s+)?([^\W\d_][\w-]*)", re.IGNORECASE)


def counted(question: str, language: str) -> tuple[str, ...]:
    """The BM25 terms of what the question counts ('Combien de soldats…' -> ('soldat',)), in French
    only, where the archive's own words can be expected (an English noun would be the French text's
    translation)."""
    match = _COUNTED.search(question.replace("’", "'"))
    if language != "fr" or match is None or fold(match.group(1)) in _UNCOUNTED:
        return ()
    return tuple(tokenize(match.group(1), language))


_UNCOUNTED = frozenset("fois temps personnes personne gens annees ans jours mois heures minutes".split())  # counted in words of their own


def has_stem(folded: str, stems: tuple[str, ...]) -> bool:
    """Whether a folded text holds a word starting with one of `stems` ('rachet': 'rachete'), or
    exactly one of them when it ends with '$' ('ban$': 'ban', not 'banks')."""
    return _stems(stems).search(folded) is not None


@lru_cache(maxsize=64)
def _stems(stems: tuple[str, ...]) -> re.Pattern:
    alternatives = [re.escape(s[:-1]) + r"(?!\w)" if s.endswith("$") else re.escape(s) for s in stems]
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})")
