"""What to tell a reader when the archive mentions what the question names but does not report what
it asks: which part is missing (a name, the names together, the relation, the fact), in the
question's language, before what the archive does say."""

from __future__ import annotations

from dataclasses import dataclass

from indexer.text.query import Query

_RELATION_NOUNS = {  # kind: (French, English)
    "acquire": ("de rachat", "acquisition"), "invest": ("d'investissement", "investment"),
    "fund": ("de levée de fonds", "funding round"), "sue": ("de procès", "lawsuit"), "ban": ("d'interdiction", "ban"),
    "fine": ("d'amende", "fine"), "partner": ("de partenariat", "partnership"), "hire": ("d'embauche", "hiring"),
    "leave": ("de départ", "departure"),
}
_FACT_NOUNS = {"money": ("de montant", "amount"), "count": ("de chiffre", "number"), "date": ("de date", "date")}


@dataclass(frozen=True)
class Missing:
    absent: tuple[str, ...] = ()  # names the archive never mentions
    apart: tuple[str, ...] = ()  # names it mentions, never in one passage
    relations: tuple[str, ...] = ()  # relations asked that no passage naming the names reports
    facts: tuple[str, ...] = ()  # facts asked that no such passage holds
    years: tuple[str, ...] = ()  # years the question names that no such passage is about
    names: tuple[str, ...] = ()  # the names the archive does mention
    amounts: tuple[str, ...] = ()  # amounts the question names ('$30B') that no such passage states


def missing_part(query: Query, signals) -> Missing:
    """What no single passage holds, from the found decision's signals."""
    shown = [_shown(query.text, n.text) for n in query.names]
    absent = tuple(s for s, known in zip(shown, signals.known) if not known)
    named = tuple(s for s, known in zip(shown, signals.known) if known)
    n = len(query.names)
    together = [s for s in signals.supports if all(s.names[:n])]
    apart = named if len(named) > 1 and not together and not absent else ()
    relations = facts = years = amounts = ()
    if not absent and not apart:
        pool = together or list(signals.supports)
        years = tuple(year for i, year in enumerate(query.years) if not any(s.names[n + i] for s in pool))
        relations = tuple(kind for i, kind in enumerate(query.relations) if not any(s.relations[i] for s in pool))
        facts = tuple(kind for i, kind in enumerate(query.asks) if not any(s.facts[i] for s in pool))
        amounts = tuple(q.text for i, q in enumerate(query.quantities) if not any(s.quantities[i] for s in pool))
    return Missing(absent, apart, relations, facts, years, named, amounts)


def said_so(language: str, missing: Missing, quotes: str) -> str:
    """'The archive does not report this: it never mentions X. Here is what it says: …', in `language`."""
    fr = language == "fr"
    parts = [not_reported(language, missing)]
    if quotes:
        parts.append(("Voici ce qu'elle en dit :\n" if fr else "Here is what it says:\n") + quotes)
    return " ".join(p for p in parts if p)


def not_reported(language: str, missing: Missing) -> str:
    """The one line telling the reader what the archive does not report (the question's premise), in `language`."""
    return _why(missing, language == "fr")


def _why(m: Missing, fr: bool) -> str:
    head = "L'archive ne rapporte pas exactement cela" if fr else "The archive does not report exactly this"
    if m.absent:
        return f"{head} : elle ne mentionne jamais {_list(m.absent, fr)}." if fr else f"{head}: it never mentions {_list(m.absent, fr)}."
    if m.apart:
        return (f"{head} : elle mentionne {_list(m.apart, fr)}, mais jamais ensemble." if fr
                else f"{head}: it mentions {_list(m.apart, fr)}, but never together.")
    about = f" ({_list(m.names, fr)})" if m.names else ""
    if m.years:
        return (f"{head} : aucun passage{about} ne parle de {_list(m.years, fr)}." if fr
                else f"{head}: no passage{about} is about {_list(m.years, fr)}.")
    if m.amounts:
        return (f"{head} : aucun passage{about} ne donne {_list(m.amounts, fr, 'ni')}." if fr
                else f"{head}: no passage{about} gives {_list(m.amounts, fr, 'or')}.")
    if m.relations:
        nouns = [_RELATION_NOUNS[k][0 if fr else 1] for k in m.relations]
        return (f"{head} : aucun passage{about} ne fait état {_list(nouns, fr, 'ni')}." if fr
                else f"{head}: no passage{about} reports {'an' if nouns[0][0] in 'aeiou' else 'a'} {_list(nouns, fr, 'or')}.")
    if m.facts:
        nouns = [_FACT_NOUNS[k][0 if fr else 1] for k in m.facts]
        return (f"{head} : aucun passage{about} ne donne {_list(nouns, fr, 'ni')}." if fr
                else f"{head}: no passage{about} gives {'an' if nouns[0][0] in 'aeiou' else 'a'} {_list(nouns, fr, 'or')}.")
    return f"{head}." if fr else f"{head}."


def _list(items, fr: bool, last: str | None = None) -> str:
    items = list(items)
    word = last or ("et" if fr else "and")
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _shown(question: str, folded: str) -> str:
    """A name as the reader wrote it in the question ('OpenAI', not 'openai')."""
    from indexer.text.lexical import fold

    at = fold(question).find(folded)
    return question[at : at + len(folded)] if at >= 0 and len(fold(question)) == len(question) else folded
