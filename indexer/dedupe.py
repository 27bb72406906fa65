"""Strip boilerplate from Issue records (pure functions).

Lines repeated across issues are counted once per group of copies. Copies are found by the
overlap coefficient |A ∩ B| / min(|A|, |B|) of their sets of 5-word shingles (lower-cased
words of section titles and texts), ignoring shingles that occur in more than max(5, 20%) of
the issues (page furniture, source lists). Measured on the 15 ai-weekly-fr pages: the two
verbatim copies of one issue score 0.77; every other pair, edited re-saves of the same week
included, at most 0.07. (Edited re-saves are folded later, from their passages: versions.py.)
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace
from itertools import combinations

from indexer.records import Issue, Section

SAME_ISSUE = 0.5
SHINGLE = 5
_GREETING = re.compile(
    r"^(?:hello|hi|hey|bonjour|bonsoir|salut|coucou|dear \w+|ch[eè]re?s? \w+)(?=[\s,!.]|$).{0,40}$", re.I
)
_SIGN_OFF = re.compile(
    r"bonne lecture|bonne semaine|bon week-?end|merci de (?:nous|me) lire|merci pour votre lecture|"
    r"à la prochaine|a la prochaine|à bientôt|à la semaine prochaine|see you next|thanks for reading|"
    r"happy reading|enjoy (?:the|your) read|until next (?:week|time)",
    re.I,
)
_SUBSCRIPTION = re.compile(
    r"abonnez[- ]vous|abonne[- ]toi|s'abonner|s’abonner|se d[ée]sabonner|d[ée]sabonnez|d[ée]sinscri|unsubscribe|"
    r"subscribe (?:now|here|to)|manage (?:your )?(?:preferences|subscription)|g[ée]rer (?:vos|mes) pr[ée]f[ée]rences|"
    r"view (?:this email )?in (?:your )?browser|voir (?:la version|cette newsletter|ce mail) (?:en ligne|dans)|"
    r"partagez (?:cette|la) newsletter|share this (?:newsletter|email|post)|forward (?:this|to a friend)|"
    r"transf[ée]rez (?:cette|ce) (?:newsletter|mail|e-mail)",
    re.I,
)
_SPONSOR = re.compile(
    r"^(?:sponsoris[ée]e?s?|sponsored|sponsor|publicit[ée]|advertisement|partenaire)(?:\s+(?:par|by)\s+.{1,40})?\W*$|"
    r"^(?:en partenariat avec|brought to you by|presented by|ce num[ée]ro est (?:pr[ée]sent[ée]|offert) par)"
    r"\s+.{1,40}$",
    re.I,
)
_CREDITS = re.compile(r"^(?:sources?|r[ée]f[ée]rences|cr[ée]dits?|credits)(?:\s+(?:de|of)\s+(?:cette|this)\s+\w+)?\W*$", re.I)
_SHORT_LINE = 100
_SIGNATURE_MAX = 40


def duplicate_groups(issues: list[Issue]) -> list[int]:
    """A group number per issue; issues scoring at least SAME_ISSUE (directly or through another copy) share one."""
    return _groups(_common_free(issues))


def _groups(shingle_sets: list[set]) -> list[int]:
    parent = list(range(len(shingle_sets)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in _candidate_pairs(shingle_sets):
        if similarity(shingle_sets[a], shingle_sets[b]) >= SAME_ISSUE:
            parent[find(a)] = find(b)
    return [find(i) for i in range(len(shingle_sets))]


def similarity(a: set, b: set) -> float:
    """Overlap coefficient of two shingle sets (0 when either is empty)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def shingles(issue: Issue) -> set[tuple[str, ...]]:
    words = [w for s in issue.sections for w in _words(f"{s.title} {s.text}")]
    return {tuple(words[i : i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 0))}


def strip_boilerplate(issues: list[Issue]) -> list[Issue]:
    """Remove boilerplate lines; sections left empty, and sections titled as sponsored or as a list of sources ("📚 Sources", "Sources de cette édition"), are dropped.

    A line is boilerplate when (1) the same normalised line occurs in at least
    min(3, max(2, ⌈n/2⌉)) of the n distinct issues — copies of one issue (see
    `duplicate_groups`) count once, and a single distinct issue repeats nothing; or (2) it is
    a short line (≤ 100 characters) that greets ("Hello 👋"), signs off ("Bonne lecture !",
    "Merci de nous lire", "À la prochaine"), asks to subscribe, unsubscribe or share, or
    is only a sponsor marker ("Sponsorisé", "Sponsored by X"); or (3) it is a signature
    (≤ 40 characters, ≤ 5 words, no sentence ending, e.g. "Pierre + 🤖") among the two lines
    after a sign-off (a section titled as a sign-off counts as one). An issue left with no section
    keeps its original sections."""
    groups = duplicate_groups(issues)
    seen_in: dict[str, set[int]] = defaultdict(set)
    for issue, group in zip(issues, groups, strict=False):
        for section in issue.sections:
            for line in section.text.split("\n"):
                seen_in[_key(line)].add(group)
    distinct = len(set(groups))
    need = min(3, max(2, math.ceil(distinct / 2))) if distinct >= 2 else math.inf
    repeated = {key for key, where in seen_in.items() if key and len(where) >= need}
    return [_stripped(issue, repeated) for issue in issues]


def _stripped(issue: Issue, repeated: set[str]) -> Issue:
    sections = []
    for section in issue.sections:
        if _SPONSOR.match(_bare(section.title)) or _CREDITS.match(_bare(section.title)):
            continue  # sponsor blocks and lists of the sources an issue drew on are not content
        text = "\n".join(_kept_lines(section, repeated))
        if text.strip():
            sections.append(replace(section, text=text))
    return replace(issue, sections=tuple(sections)) if sections else issue


def _kept_lines(section: Section, repeated: set[str]) -> list[str]:
    kept: list[str] = []
    since_sign_off = 0 if _is_sign_off(_bare(section.title)) else 99
    for line in section.text.split("\n"):
        bare = _bare(line)
        since_sign_off += 1
        if _is_sign_off(bare):
            since_sign_off = 0
            continue
        if _key(line) in repeated or _is_pattern_boilerplate(bare):
            continue
        if since_sign_off <= 2 and _is_signature(bare):
            continue
        kept.append(line)
    return kept


def _is_sign_off(bare: str) -> bool:
    return bool(bare) and len(bare) <= _SHORT_LINE and bool(_SIGN_OFF.search(bare))


def _is_signature(bare: str) -> bool:
    return len(bare) <= _SIGNATURE_MAX and len(bare.split()) <= 5 and not bare.endswith((".", "!", "?", ":"))


def _is_pattern_boilerplate(bare: str) -> bool:
    if not bare or len(bare) > _SHORT_LINE:
        return False
    return bool(_GREETING.match(bare) or _SUBSCRIPTION.search(bare) or _SPONSOR.match(bare))


def _bare(line: str) -> str:
    """The line without leading/trailing emoji, symbols and spaces."""
    line = line.strip()
    while line and (unicodedata.category(line[0])[0] in "SZC" or line[0] in "\ufe0f\u200d"):
        line = line[1:].lstrip()
    while line and (unicodedata.category(line[-1])[0] in "SZC" or line[-1] in "\ufe0f\u200d"):
        line = line[:-1].rstrip()
    return line


def _key(line: str) -> str:
    return " ".join(_words(line))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower())


def _common_free(issues: list[Issue]) -> list[set[int]]:
    """Each issue's shingles (numbered: ints intersect much faster than tuples of words) without
    those found in more than max(5, 20%) of the issues."""
    numbers: dict[tuple[str, ...], int] = {}
    sets = [{numbers.setdefault(s, len(numbers)) for s in shingles(issue)} for issue in issues]
    counts = Counter(s for shingle_set in sets for s in shingle_set)
    cap = max(5, len(issues) // 5)
    return [{s for s in shingle_set if counts[s] <= cap} for shingle_set in sets]


def _candidate_pairs(sets: list[set[int]]) -> set[tuple[int, int]]:
    """Every pair of issues that can score SAME_ISSUE, and few others (a prefix filter).

    If |A ∩ B| ≥ k = ⌈SAME_ISSUE · |A|⌉ with |A| ≤ |B|, at most |A| − k shingles of A lie outside B,
    so any p of A's shingles include at least p − (|A| − k) of B's. Each issue is looked up by its
    rarest shingles, three quarters of them, and only issues holding enough of those are listed."""
    holders: dict[int, list[int]] = defaultdict(list)
    for i, shingle_set in enumerate(sets):
        for s in shingle_set:
            holders[s].append(i)
    sizes = [len(shingle_set) for shingle_set in sets]
    pairs = set()
    for a, shingle_set in enumerate(sets):
        outside = sizes[a] - math.ceil(SAME_ISSUE * sizes[a])  # at most this many of A's shingles lie outside B
        prefix = sorted(shingle_set, key=lambda s: len(holders[s]))[: min(sizes[a], outside + 1 + sizes[a] // 4)]
        need = len(prefix) - outside
        hits = Counter(b for s in prefix for b in holders[s])
        pairs.update((min(a, b), max(a, b)) for b, n in hits.items() if n >= need and b != a and sizes[b] >= sizes[a])
    return pairs
