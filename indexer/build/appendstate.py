"""What a build keeps of its issues' boilerplate fingerprints and passages (in its `archive/` folder),
so that the next rebuild can add issues without the ones it holds (issue 25).

`AppendState.add` tells whether one more issue leaves every earlier issue's boilerplate as it was
(`dedupe.strip_boilerplate` over all the issues: the same copies of one issue, the same repeated
lines) and then strips the new issue as that full pass would; `shares_passage_or_date` whether it
could fold with another (`versions._candidate_pairs`). Both only look up the new issue's shingles,
line keys, passage hashes and date in sorted arrays. A state grown by `add` equals, array for array,
the state of all the issues computed at once (`AppendState.of`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.build.dedupe import SAME_ISSUE, Boilerplate, Fingerprint, common_cap, copy_groups, repeat_need, strip_issue
from indexer.records import Chunk, Issue

_ARRAYS = ("shingles", "owners", "included", "groups", "line_keys", "line_groups", "hashes")


@dataclass(frozen=True)
class AppendState:
    shingles: np.ndarray  # uint64, sorted: each issue's distinct shingles (dedupe.Fingerprint), all issues
    owners: np.ndarray  # int32: the issue (number in reading order) holding each of `shingles`
    included: np.ndarray  # int64 per issue: how many of its shingles are not common (dedupe.common_cap)
    groups: np.ndarray  # int64 per issue: its group of copies, named by the group's first issue
    line_keys: np.ndarray  # S16, sorted: 128-bit hashes of the non-empty line keys of all issues
    line_groups: np.ndarray  # int32: in how many groups each of `line_keys` occurs
    hashes: np.ndarray  # S32, sorted: the distinct passage hashes of every issue read (folded ones too)
    dates: tuple[str, ...]  # sorted: the distinct dates of every issue read

    @classmethod
    def of(cls, found: Boilerplate, issues: Sequence[Issue], chunks: Sequence[Sequence[Chunk]]) -> "AppendState":
        """The state of `issues` (as read, before boilerplate was stripped), from what
        `find_boilerplate` found over them and each one's passages."""
        n = len(found.prints)
        every = np.concatenate([p.shingles for p in found.prints]) if n else np.zeros(0, np.uint64)
        owners = np.repeat(np.arange(n, dtype=np.int32), [len(p.shingles) for p in found.prints])
        order = np.argsort(every, kind="stable")
        every, owners = every[order], owners[order]
        included = np.bincount(owners[_run_lengths(every) <= common_cap(n)], minlength=n).astype(np.int64)
        first: dict[int, int] = {}
        groups = np.array([first.setdefault(g, i) for i, g in enumerate(found.groups)], dtype=np.int64)
        keys = sorted((_key_hash(key), count) for key, count in found.line_groups.items())
        line_keys = np.array([k for k, _ in keys], dtype="S16")
        line_groups = np.array([c for _, c in keys], dtype=np.int32)
        hashes = np.array(sorted({bytes.fromhex(c.hash) for own in chunks for c in own}), dtype="S32")
        dates = tuple(sorted({i.date for i in issues if i.date}))
        return cls(every, owners, included, groups, line_keys, line_groups, hashes, dates)

    def add(self, issue: Issue, printed: Fingerprint) -> tuple[Issue, "AppendState"] | None:
        """(`issue` stripped of its boilerplate, the state with it) when adding it after the others
        changes no earlier issue's boilerplate; None when it might (the caller rebuilds whole)."""
        n = len(self.groups)
        cap, cap_after = common_cap(n), common_cap(n + 1)
        new = printed.shingles
        lo, hi = np.searchsorted(self.shingles, new, "left"), np.searchsorted(self.shingles, new, "right")
        held = hi - lo
        kept = held + 1 <= cap_after
        size = int(np.count_nonzero(kept))
        flips = bool(np.any((held > 0) & ((held <= cap) != kept)))  # one of its shingles becomes common
        if cap_after > cap and not flips:  # is a shingle held by cap + 1 issues, not this one, no longer common?
            at_cap = int(np.count_nonzero(_run_lengths(self.shingles) == cap_after)) // cap_after
            flips = at_cap > int(np.count_nonzero(held == cap_after))
        if flips:  # other issues' shingles count differently: their copies are measured again, from the arrays
            regrouped = self._regrouped(new)
            if regrouped is None:
                return None
            included = regrouped
        else:
            included = np.append(self.included, np.int64(size))
            if size and n and self._joins_a_group(lo, hi, held, kept, size):
                return None  # a copy of an earlier issue: it joins that issue's group
        distinct = len(np.unique(self.groups))
        need = repeat_need(distinct + 1)
        if need != repeat_need(distinct):
            return None
        line_keys = sorted({key for keys in printed.lines for key in keys if key})
        hashed = np.array([_key_hash(key) for key in line_keys], dtype="S16")
        where = np.searchsorted(self.line_keys, hashed)
        if len(self.line_keys):
            at_key = np.minimum(where, len(self.line_keys) - 1)
            found = self.line_keys[at_key] == hashed
            before = np.where(found, self.line_groups[at_key], 0)
        else:
            found, before = np.zeros(len(hashed), dtype=bool), np.zeros(len(hashed), dtype=np.int32)
        if np.any((before > 0) & (before < need) & (before + 1 >= need)):
            return None  # one of its lines becomes boilerplate in earlier issues
        stripped = strip_issue(issue, printed.lines, {key for key, b in zip(line_keys, before.tolist()) if b + 1 >= need})

        put = np.searchsorted(self.shingles, new, "right")
        line_groups = self.line_groups.copy()
        line_groups[where[found]] += 1
        order = np.argsort(hashed[~found], kind="stable")
        fresh, at = hashed[~found][order], where[~found][order]
        grown = replace(
            self,
            shingles=np.insert(self.shingles, put, new),
            owners=np.insert(self.owners, put, np.int32(n)),
            included=included,
            groups=np.append(self.groups, np.int64(n)),
            line_keys=np.insert(self.line_keys, at, fresh),
            line_groups=np.insert(line_groups, at, np.ones(len(fresh), dtype=np.int32)),
        )
        return stripped, grown

    def _joins_a_group(self, lo: np.ndarray, hi: np.ndarray, held: np.ndarray, kept: np.ndarray, size: int) -> bool:
        """Whether the new issue (its shingles found at lo:hi, `kept` those not common, `size` of
        them) scores SAME_ISSUE with an earlier issue, when no earlier issue's shingles change."""
        spans = [np.arange(a, b) for a, b in zip(lo[kept & (held > 0)], hi[kept & (held > 0)])]
        if not spans:
            return False
        hits = np.bincount(self.owners[np.concatenate(spans)], minlength=len(self.groups))
        return bool(np.any((hits > 0) & (hits >= SAME_ISSUE * np.minimum(self.included, size))))

    def _regrouped(self, new: np.ndarray) -> np.ndarray | None:
        """The issues' groups of copies computed again with the new issue's shingles `new`, as
        `dedupe.duplicate_groups` does: its not-common shingle counts (old issues and new), or None
        when an earlier issue's group changes or the new issue joins one."""
        n = len(self.groups)
        by_issue = self.shingles[np.argsort(self.owners, kind="stable")]  # each issue's shingles, sorted
        sets = [*np.split(by_issue, np.cumsum(np.bincount(self.owners, minlength=n))[:-1]), new] if n else [new]
        found, sizes = copy_groups(sets)
        first: dict[int, int] = {}
        groups = [first.setdefault(g, i) for i, g in enumerate(found)]
        if groups[:n] != self.groups.tolist() or groups[n] != n:
            return None
        return np.array(sizes, dtype=np.int64)

    def shares_passage_or_date(self, issue: Issue, chunks: Sequence[Chunk]) -> bool:
        """Whether `issue`, with its passages `chunks`, shares a passage or its date with an issue
        of the state: only such issues can be folded as versions of one another."""
        if issue.date and issue.date in self.dates:
            return True
        own = np.array(sorted({bytes.fromhex(c.hash) for c in chunks}), dtype="S32")
        where = np.minimum(np.searchsorted(self.hashes, own), max(len(self.hashes) - 1, 0))
        return bool(len(self.hashes) and np.any(self.hashes[where] == own))

    def with_passages(self, issue: Issue, chunks: Sequence[Chunk]) -> "AppendState":
        own = np.array(sorted({bytes.fromhex(c.hash) for c in chunks}), dtype="S32")
        hashes = np.insert(self.hashes, np.searchsorted(self.hashes, own), own)
        dates = tuple(sorted({*self.dates, issue.date})) if issue.date else self.dates
        return replace(self, hashes=hashes, dates=dates)

    @property
    def issues(self) -> int:
        return len(self.groups)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        (folder / "dates.json").write_text(json.dumps(list(self.dates)), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "AppendState":
        """The saved state; ValueError or OSError when it is missing or malformed."""
        arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in _ARRAYS}
        dates = json.loads((folder / "dates.json").read_text(encoding="utf-8"))
        state = cls(**arrays, dates=tuple(dates))
        n = len(state.groups)
        if len(state.shingles) != len(state.owners) or len(state.included) != n or len(state.line_keys) != len(state.line_groups) \
                or not all(isinstance(d, str) for d in dates):
            raise ValueError("append state arrays do not agree")
        return state


def _run_lengths(values: np.ndarray) -> np.ndarray:
    """For each element of the sorted `values`, how many times its value occurs."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    lengths = np.diff(np.append(starts, len(values)))
    return np.repeat(lengths, lengths)


def _key_hash(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
