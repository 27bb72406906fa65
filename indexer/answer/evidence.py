"""Does one passage hold what a question needs? Similarity alone is not evidence: the passage that
answers must name the question's names together (versions and years as written), report the
relation the question asks about ('Who bought X?': a purchase), and hold the fact it asks for (an
amount, a date). Pure functions of a `Query` and a text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text.lexicon import ASKS, RELATIONS
from indexer.text.lexical import fold, tokenize
from indexer.text.quantity import holds
from indexer.text.query import Name, Query, expanded, has_stem, mentioned
from indexer.text.sentences import sentence_spans

_MONTHS = ("janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|january|february|"
           "march|april|may|june|july|august|september|october|november|december")
_FACTS = {
    "money": re.compile(r"[\$€£¥]|\b(?:dollars?|euros?|usd|eur|livres sterling|cents?|gratuit\w*|free|"
                        r"m\$|mds?\s?\$|md\$|k\$|b\$|bn)\b|\d\s?(?:[mbk]\$|mds?\b|md\b)"),
    # a number that is not a year nor a version ('GPT-5'), or a number word
    "count": re.compile(r"\b(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|"
                        r"cinquante|soixante|cent|cents|mille|two|three|four|five|seven|eight|nine|ten|eleven|twelve|"
                        r"fifteen|twenty|thirty|forty|fifty|hundred|dozen)\b|"
                        r"(?<![\w.,-])(?!(?:1[5-9]\d\d|20\d\d)(?![\w]|[.,]\d))\d|\b(?:milliards?|millions?|billions?|"
                        r"trillions?|dizaines?|centaines?|milliers?|dozens?|hundreds?|thousands?|gratuit\w*|free)\b"),
    "date": re.compile(rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})\b|\b(?:{_MONTHS})\b|\b(?:hier|aujourd'hui|yesterday|today|"
                       r"semaine|week|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b"),
}
assert set(_FACTS) == set(ASKS)
_WORD = re.compile(r"[^\W\d_]{5,}")


@dataclass(frozen=True)
class Support:
    """What one passage holds of what the question needs."""

    names: tuple[bool, ...]  # each of the question's names, in order
    relations: tuple[bool, ...]  # each relation the question asks about
    facts: tuple[bool, ...]  # each kind of fact it asks for
    quantities: tuple[bool, ...] = ()  # each amount it names ('27B'), however the passage writes it

    @property
    def complete(self) -> bool:
        return all(self.names) and all(self.relations) and all(self.facts) and all(self.quantities)


def support(query: Query, text: str, *, title: str = "", date: str | None = None, close: bool = False) -> Support:
    """What `text` (a passage with its section title) holds of what `query` needs, its issue's `title`
    counting for the names and its `date` for the years. The relation, the fact and the years the
    question names (2026 is not 2025) must be told of its names: in a sentence that mentions one of
    them, or next to one that does. A passage whose sentences are `close` to the question by meaning
    (its best sentence stands out: `found.signals`) reports the relation however it words it ('capex'
    for an investment)."""
    about = _about_names(query, text)
    years = tuple(any(re.search(rf"(?<!\d){y}(?!\d)", s) for s in about) or (date or "").startswith(y) for y in query.years)
    return Support(
        names=tuple(names_in(query, f"{title}\n{text}")) + years,
        relations=tuple(close or any(has_stem(s, RELATIONS[kind]) for s in about) for kind in query.relations),
        facts=tuple(any(_FACTS[kind].search(s) and (kind != "count" or _counts(query, s)) for s in about)
                    for kind in query.asks),
        quantities=tuple(any(holds(s, q, query.language) or holds(s, q, "fr") for s in about) for q in query.quantities),
    )


def parts_held(query: Query, sentence: str) -> float:
    """The share of what the question needs that one sentence states by itself: its names, the
    relation's words, the fact asked for, its amounts (the sentence may name its subject by a
    pronoun: the passage as a whole is checked by `support`)."""
    folded = fold(sentence)
    parts = [*names_in(query, sentence), *(has_stem(folded, RELATIONS[kind]) for kind in query.relations),
             *(bool(_FACTS[kind].search(folded)) for kind in query.asks),
             *(holds(sentence, q, query.language) or holds(sentence, q, "fr") for q in query.quantities)]
    if _WHO.match(fold(query.text)):  # 'Who left Meta?': the sentence that answers names someone else
        parts.append(any(not any(mentioned(fold(n), name) for name in query.names) for n in _PROPER.findall(sentence[1:])))
    return sum(parts) / len(parts) if parts else 0.0


_WHO = re.compile(r"\s*(?:who|whom|whose|qui|a qui|de qui|par qui|avec qui)\b")
_PROPER = re.compile(r"(?<=[\s(«\"“'])[A-Z][\w.-]*[a-z][\w.-]*(?:\s+[A-Z][\w.-]+)*")


def _counts(query: Query, sentence: str) -> bool:
    """Whether a sentence with a number counts what the question counts ('12 000 soldats')."""
    return not query.counted or bool(set(query.counted) & set(tokenize(sentence, query.language)))


def _about_names(query: Query, text: str) -> list[str]:
    """The folded sentences of `text` that mention one of the query's names or stand next to one that
    does (every sentence when the query names nothing)."""
    sentences = [fold(text[s:e]) for s, e in sentence_spans(text)]
    if not query.names:
        return sentences
    naming = [any(mentioned(s, name) for name in query.names) for s in sentences]
    return [s for i, s in enumerate(sentences) if any(naming[max(0, i - 1) : i + 2])]


def names_in(query: Query, text: str) -> list[bool]:
    """For each of the query's names, whether `text` mentions it: as written, by its French name, or
    (English questions) by a cognate of a single word ('Algeria' / 'Algérie', 'Normans' / 'Normands')."""
    folded = fold(text)
    found = [mentioned(folded, name) or (name.acronym and expanded(text, name.text)) for name in query.names]
    if query.language == "en" and not all(found):
        words = None
        for i, name in enumerate(query.names):
            if not found[i] and _cognate_candidate(name):
                words = words if words is not None else set(_WORD.findall(folded))
                found[i] = any(cognates(name.text, w) for w in words)
    return found


def _cognate_candidate(name: Name) -> bool:
    return " " not in name.text and name.text.isalpha() and len(name.text) >= 5


def cognates(a: str, b: str) -> bool:
    """Whether two folded words look like the same name in two languages: they share a prefix of at
    least five letters that leaves at most three letters of the longer one ('algeria' / 'algerie',
    'normans' / 'normands'; not 'manus' / 'manuscrit')."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= 5 and n >= max(len(a), len(b)) - 3
