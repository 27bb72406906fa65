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
from indexer.text.query import Name, Query, has_stem, mentioned
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

    @property
    def complete(self) -> bool:
        return all(self.names) and all(self.relations) and all(self.facts)


def support(query: Query, text: str, *, title: str = "", date: str | None = None) -> Support:
    """What `text` (a passage with its section title) holds of what `query` needs, its issue's `title`
    counting for the names and its `date` for the years. The relation, the fact and the years the
    question names (2026 is not 2025) must be told of its names: in a sentence that mentions one of
    them, or next to one that does."""
    about = _about_names(query, text)
    years = tuple(any(re.search(rf"(?<!\d){y}(?!\d)", s) for s in about) or (date or "").startswith(y) for y in query.years)
    return Support(
        names=tuple(names_in(query, f"{title}\n{text}")) + years,
        relations=tuple(any(has_stem(s, RELATIONS[kind]) for s in about) for kind in query.relations),
        facts=tuple(any(_FACTS[kind].search(s) and (kind != "count" or _counts(query, s)) for s in about)
                    for kind in query.asks),
    )


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
    found = [mentioned(folded, name) for name in query.names]
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
