"""The timeline under an answer: what it counts, counted per issue date, and the period picked on it.

It counts one of two things, and says which:
- the passages that name the question's names (OpenAI, Mistral…), as `indexer.text.query.names` reads them, over
  all dates, with the answer's other filters (languages, issues, sites);
- for a question without a name, the passages closest to it (see `conversation.timeline_hits`), the
  answer's sources included.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from indexer.text.lexical import fold
from indexer.text.query import names
from indexer.records import Chunk, IssueInfo

SELECTION = "period"
_SEPARATOR = "\x00"  # between passages: neither a word character nor a space, so no name spans two passages
_TOKEN = re.compile(r"[\w][\w.+-]*\w|\w")


@dataclass(frozen=True)
class Timeline:
    dated: pd.DataFrame  # one row per issue: day (plotted, 'YYYY-MM-DD'), date (as the issue gives it), title, passages
    undated: list[tuple[str, int]]  # (title, passages) of issues without a date


@dataclass(frozen=True)
class Folded:
    """The archive's passages (section title and text, as a source card shows them) folded (lower case, no
    accents) into one string, to find names in all of them at once."""

    text: str
    starts: np.ndarray  # where each passage starts in `text`


def folded(passages: Sequence[Chunk]) -> Folded:
    pieces = [fold(f"{p.section}\n{p.text}") for p in passages]
    starts = np.cumsum([0] + [len(piece) + 1 for piece in pieces[:-1]]) if pieces else np.zeros(0, dtype=int)
    return Folded(_SEPARATOR.join(pieces), starts)


def subject(question: str) -> list[str]:
    """The question's names, folded (as `indexer.text.query.names` reads them)."""
    return names(question)


def as_written(question: str, folded_names: Sequence[str]) -> list[str]:
    """Each folded name as the question writes it ('mistral ai' -> 'Mistral AI')."""
    written = {fold(token): token for token in _TOKEN.findall(question)}
    return [" ".join(written.get(part, part) for part in name.split()) for name in folded_names]


def naming(corpus: Folded, folded_names: Sequence[str], keep: np.ndarray | None = None,
           within: Iterable[int] | None = None) -> list[int]:
    """The ids of the passages that name one of `folded_names` as whole words (as `indexer.text.query.mentions`
    matches a name), among those `keep` (a mask) keeps; only among the passages `within` when given
    (those `candidates` finds), else the whole corpus is scanned."""
    if not folded_names:
        return []
    alternatives = "|".join(r"[\s-]+".join(re.escape(part) for part in name.split()) for name in folded_names)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?![\w]|[.,]\d)")
    if within is None:
        found = sorted({bisect_right(corpus.starts, m.start()) - 1 for m in pattern.finditer(corpus.text)})
    else:
        found = sorted(n for n in set(within) if pattern.search(corpus.text, *_span(corpus, n)))
    return [n for n in found if keep is None or keep[n]]


def candidates(corpus: Folded, folded_names: Sequence[str]) -> set[int]:
    """The passages that hold each name's longest part anywhere (a plain substring search, many times
    faster than the whole-word pattern over 1,000 issues): `naming` need only look in those."""
    out: set[int] = set()
    for name in folded_names:
        part = max(re.split(r"[-\s]+", name), key=len)
        at = corpus.text.find(part)
        while at >= 0:
            n = bisect_right(corpus.starts, at) - 1
            out.add(n)
            at = corpus.text.find(part, _span(corpus, n)[1])  # the next passage
    return out


def _span(corpus: Folded, n: int) -> tuple[int, int]:
    """Where passage `n` starts and ends in the folded corpus."""
    end = int(corpus.starts[n + 1]) if n + 1 < len(corpus.starts) else len(corpus.text)
    return int(corpus.starts[n]), end


def timeline(issues: Mapping[str, IssueInfo], issue_ids: Iterable[str]) -> Timeline:
    """Passages counted per issue (one issue id per passage); a month-only date is plotted on the month's first day."""
    counts = Counter(issue_ids)
    rows = [(issues[i].date, issues[i].title, n) for i, n in counts.items()]
    dated = pd.DataFrame(
        [{"day": d if len(d) == 10 else f"{d}-01", "date": d, "title": title, "passages": n} for d, title, n in rows if d],
        columns=["day", "date", "title", "passages"],
    )
    return Timeline(dated.sort_values(["day", "title"], ignore_index=True), sorted((title, n) for d, title, n in rows if not d))


def chart(frame: pd.DataFrame, *, x_title: str, y_title: str, issue_title: str) -> alt.Chart:
    """Bars per issue date (UTC days; issues of one date stacked), with an interval selection on the dates named SELECTION."""
    period = alt.selection_interval(encodings=["x"], name=SELECTION)
    return (
        alt.Chart(frame)
        .mark_bar(size=7, stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("day:T", title=x_title, scale=alt.Scale(type="utc", padding=16), axis=alt.Axis(format="%Y-%m-%d", labelAngle=0)),
            y=alt.Y("sum(passages):Q", title=y_title, axis=alt.Axis(tickMinStep=1)),
            detail="title:N",
            tooltip=[alt.Tooltip("date:N", title=x_title), alt.Tooltip("title:N", title=issue_title), alt.Tooltip("passages:Q", title=y_title)],
        )
        .add_params(period)
        .properties(height=220)
    )


@lru_cache(maxsize=8)
def _spec(x_title: str, y_title: str, issue_title: str) -> str:
    spec = chart(pd.DataFrame(columns=["day", "date", "title", "passages"]), x_title=x_title, y_title=y_title,
                 issue_title=issue_title).to_dict()
    for name in ("data", "datasets", "config"):  # the data is passed beside it; "config" is Altair's default theme's
        spec.pop(name, None)
    return json.dumps(spec)


def spec(*, x_title: str, y_title: str, issue_title: str) -> dict:
    """`chart`'s Vega-Lite spec without its data, for `st.vega_lite_chart(frame, spec)`: built and checked by
    Altair once per language, not for each answer (Altair's building and schema checks cost about 20 ms)."""
    return json.loads(_spec(x_title, y_title, issue_title))  # a fresh copy: Streamlit may change what it is given


def period_from_selection(state: Any) -> tuple[str, str] | None:
    """('YYYY-MM-DD', 'YYYY-MM-DD') from the chart's selection state, or None when nothing is selected.

    The brushed ends come back as epoch milliseconds (UTC scale) or ISO strings."""
    try:
        ends = state["selection"][SELECTION]["day"]
    except (KeyError, TypeError):
        return None
    if not isinstance(ends, (list, tuple)) or len(ends) != 2:
        return None
    days = sorted(_day(v) for v in ends)
    return days[0], days[1]


def _day(value: Any) -> str:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc).date().isoformat()
    return str(value)[:10]
