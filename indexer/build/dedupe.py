"""Strip boilerplate from Issue records (pure functions).

Lines repeated across issues are counted once per group of copies. Copies are found by the
overlap coefficient |A ∩ B| / min(|A|, |B|) of their sets of 5-word shingles (lower-cased
words of section titles and texts), ignoring shingles that occur in more than max(5, 20%) of
the issues (page furniture, source lists). Measured on the 15 ai-weekly-fr pages: the two
verbatim copies of one issue score 0.77; every other pair, edited re-saves of the same week
included, at most 0.07. (Edited re-saves are folded later, from their passages: versions.py.)
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from indexer.records import Issue, Section

SAME_ISSUE = 0.5
SHINGLE = 5
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: the polynomial that folds 5 word hashes into one
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


@dataclass(frozen=True)
class Fingerprint:
    """What boilerplate finding needs of one issue (see `fingerprint`): computed once per issue
    text, so a rebuild can remember it (`ChunkCache.remembered`)."""

    shingles: np.ndarray  # sorted, unique 64-bit hashes of the issue's 5-word shingles
    lines: tuple[tuple[str, ...], ...]  # per section, the key (lower-cased words) of each line

    def encode(self) -> bytes:
        head = np.array([len(self.shingles)], dtype="<u8").tobytes()
        return head + self.shingles.astype("<u8").tobytes() + json.dumps(self.lines, ensure_ascii=False).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> "Fingerprint":
        n = int(np.frombuffer(data[:8], dtype="<u8")[0])
        shingles = np.frombuffer(data[8 : 8 + 8 * n], dtype="<u8").astype(np.uint64)
        return cls(shingles, tuple(tuple(keys) for keys in json.loads(data[8 + 8 * n :].decode("utf-8"))))


def fingerprint(issue: Issue) -> Fingerprint:
    """The issue's shingles (hashed words of section titles and texts, in order) and line keys."""
    lines = tuple(tuple(_key(line) for line in s.text.split("\n")) for s in issue.sections)
    words = [w for s, keys in zip(issue.sections, lines, strict=True) for w in [*_words(s.title), *" ".join(keys).split()]]
    return Fingerprint(_shingle_hashes(words), lines)


def fingerprint_key(issue: Issue) -> str:
    """All that `fingerprint` reads of an issue, as one string (to remember fingerprints by)."""
    return "\x1e".join(f"{s.title}\x1f{s.text}" for s in issue.sections)


def _shingle_hashes(words: list[str]) -> np.ndarray:
    if len(words) < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    ids: dict[str, int] = {}
    for w in words:
        if w not in ids:
            ids[w] = int.from_bytes(hashlib.blake2b(w.encode("utf-8"), digest_size=8).digest(), "little")
    h = np.array([ids[w] for w in words], dtype=np.uint64)
    n = len(words) - SHINGLE + 1
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(SHINGLE):  # a polynomial hash of the 5 word hashes, mod 2**64
            out = out * _MIX + h[j : j + n]
    return np.unique(out)


def duplicate_groups(issues: Sequence[Issue], *, fingerprint: Callable[[Issue], Fingerprint] = fingerprint) -> list[int]:
    """A group number per issue; issues scoring at least SAME_ISSUE (directly or through another copy) share one."""
    return _groups_of([fingerprint(issue) for issue in issues])


def copy_groups(shingle_sets: list[np.ndarray]) -> tuple[list[int], list[int]]:
    """`duplicate_groups` of issues given by their shingles (sorted, unique), and how many of each
    issue's shingles are not common (the ones compared)."""
    free = _common_free(shingle_sets)
    return _groups(free), [len(f) for f in free]


def _groups_of(prints: list[Fingerprint]) -> list[int]:
    return _groups(_common_free([p.shingles for p in prints]))


def _groups(shingle_sets: list[np.ndarray]) -> list[int]:
    parent = list(range(len(shingle_sets)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in sorted(_candidate_pairs(shingle_sets)):
        if similarity(shingle_sets[a], shingle_sets[b]) >= SAME_ISSUE:
            parent[find(a)] = find(b)
    return [find(i) for i in range(len(shingle_sets))]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap coefficient of two sorted arrays of unique shingle numbers (0 when either is empty)."""
    if not len(a) or not len(b):
        return 0.0
    return len(np.intersect1d(a, b, assume_unique=True)) / min(len(a), len(b))


@dataclass(frozen=True)
class Boilerplate:
    """What `find_boilerplate` found: each issue's fingerprint, its group of copies (see
    `duplicate_groups`), the distinct groups holding each line key, and the repeated line keys."""

    prints: list[Fingerprint]
    groups: list[int]
    line_groups: dict[str, int]
    repeated: set[str]


def strip_boilerplate(issues: Sequence[Issue], *, fingerprint: Callable[[Issue], Fingerprint] = fingerprint,
                      found: Boilerplate | None = None) -> list[Issue]:
    """Remove boilerplate lines; sections left empty, and sections titled as sponsored or as a list of sources ("📚 Sources", "Sources de cette édition"), are dropped.

    A line is boilerplate when (1) the same normalised line occurs in at least
    min(3, max(2, ⌈n/2⌉)) of the n distinct issues — copies of one issue (see
    `duplicate_groups`) count once, and a single distinct issue repeats nothing; or (2) it is
    a short line (≤ 100 characters) that greets ("Hello 👋"), signs off ("Bonne lecture !",
    "Merci de nous lire", "À la prochaine"), asks to subscribe, unsubscribe or share, or
    is only a sponsor marker ("Sponsorisé", "Sponsored by X"); or (3) it is a signature
    (≤ 40 characters, ≤ 5 words, no sentence ending, e.g. "Pierre + 🤖") among the two lines
    after a sign-off (a section titled as a sign-off counts as one). An issue left with no section
    keeps its original sections. `fingerprint` may be a remembered `fingerprint` (same results)."""
    found = found or find_boilerplate(issues, fingerprint=fingerprint)
    return [strip_issue(issue, p.lines, found.repeated) for issue, p in zip(issues, found.prints, strict=True)]


def find_boilerplate(issues: Sequence[Issue], *, fingerprint: Callable[[Issue], Fingerprint] = fingerprint) -> Boilerplate:
    """The repeated lines of `issues` (rule (1) of `strip_boilerplate`) and what decided them."""
    prints = [fingerprint(issue) for issue in issues]
    groups = _groups_of(prints)
    seen_in: dict[str, set[int]] = defaultdict(set)
    for p, group in zip(prints, groups, strict=True):
        for keys in p.lines:
            for key in keys:
                seen_in[key].add(group)
    need = repeat_need(len(set(groups)))
    line_groups = {key: len(where) for key, where in seen_in.items() if key}
    return Boilerplate(prints, groups, line_groups, {key for key, n in line_groups.items() if n >= need})


def repeat_need(distinct: int) -> float:
    """In how many distinct issues a line must occur to be boilerplate, among `distinct` issues."""
    return min(3, max(2, math.ceil(distinct / 2))) if distinct >= 2 else math.inf


def strip_issue(issue: Issue, lines: tuple[tuple[str, ...], ...], repeated: set[str]) -> Issue:
    """`issue` without its boilerplate, given its fingerprint's `lines` and the repeated line keys."""
    sections = []
    for section, keys in zip(issue.sections, lines, strict=True):
        if _SPONSOR.match(_bare(section.title)) or _CREDITS.match(_bare(section.title)):
            continue  # sponsor blocks and lists of the sources an issue drew on are not content
        text = "\n".join(_kept_lines(section, keys, repeated))
        if text.strip():
            sections.append(replace(section, text=text))
    return replace(issue, sections=tuple(sections)) if sections else issue


def _kept_lines(section: Section, keys: tuple[str, ...], repeated: set[str]) -> list[str]:
    kept: list[str] = []
    since_sign_off = 0 if _is_sign_off(_bare(section.title)) else 99
    for line, key in zip(section.text.split("\n"), keys, strict=True):
        bare = _bare(line)
        since_sign_off += 1
        if _is_sign_off(bare):
            since_sign_off = 0
            continue
        if key in repeated or _is_pattern_boilerplate(bare):
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


def common_cap(issues: int) -> int:
    """A shingle held by more than this many of `issues` issues is common (ignored by `duplicate_groups`)."""
    return max(5, issues // 5)


def _common_free(sets: list[np.ndarray]) -> list[np.ndarray]:
    """Each issue's shingles, numbered 0.. across the archive (sorted), without those found in more
    than max(5, 20%) of the issues (page furniture, source lists)."""
    if not sets:
        return []
    every = np.concatenate(sets)
    _, numbers, counts = np.unique(every, return_inverse=True, return_counts=True)
    numbers = numbers.reshape(-1)
    cap = common_cap(len(sets))
    ends = np.cumsum([len(s) for s in sets])
    return [part[counts[part] <= cap] for part in np.split(numbers, ends[:-1])]


def _candidate_pairs(sets: list[np.ndarray]) -> set[tuple[int, int]]:
    """Every pair of issues that can score SAME_ISSUE, and few others (a prefix filter).

    If |A ∩ B| ≥ k = ⌈SAME_ISSUE · |A|⌉ with |A| ≤ |B|, at most |A| − k shingles of A lie outside B,
    so any p of A's shingles include at least p − (|A| − k) of B's. Each issue is looked up by its
    rarest shingles, three quarters of them, and only issues holding enough of those are listed."""
    n = len(sets)
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    owners = np.repeat(np.arange(n), sizes)
    every = np.concatenate(sets) if n else np.zeros(0, dtype=np.int64)
    order = np.argsort(every, kind="stable")
    holders = owners[order]  # issues holding each shingle, shingle by shingle
    df = np.bincount(every, minlength=int(every.max()) + 1 if len(every) else 0)
    starts = np.concatenate([[0], np.cumsum(df)[:-1]]) if len(df) else df
    pairs = set()
    for a, shingle_set in enumerate(sets):
        size = int(sizes[a])
        if not size:
            continue
        outside = size - math.ceil(SAME_ISSUE * size)  # at most this many of A's shingles lie outside B
        prefix = shingle_set[np.argsort(df[shingle_set], kind="stable")[: min(size, outside + 1 + size // 4)]]
        need = len(prefix) - outside
        lengths = df[prefix]
        where = np.repeat(starts[prefix] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        hits = np.bincount(holders[where], minlength=n)
        for b in np.nonzero((hits >= need) & (sizes >= size))[0].tolist():
            if b != a:
                pairs.add((min(a, b), max(a, b)))
    return pairs
