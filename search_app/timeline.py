"""The timeline: relevant passages per issue date, and the period picked on it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

import altair as alt
import pandas as pd

from indexer.records import Hit

SELECTION = "period"


@dataclass(frozen=True)
class Timeline:
    dated: pd.DataFrame  # one row per issue: day (plotted, 'YYYY-MM-DD'), date (as the issue gives it), title, passages
    undated: list[tuple[str, int]]  # (title, passages) of issues without a date


def timeline(hits: Sequence[Hit]) -> Timeline:
    """Group passages by issue; a month-only date is plotted on the month's first day."""
    counts = Counter(h.issue_id for h in hits)
    first = {h.issue_id: h for h in reversed(hits)}
    rows = [(first[i].date, first[i].title, n) for i, n in counts.items()]
    dated = pd.DataFrame(
        [{"day": d if len(d) == 10 else f"{d}-01", "date": d, "title": title, "passages": n} for d, title, n in rows if d],
        columns=["day", "date", "title", "passages"],
    )
    return Timeline(dated.sort_values("day", ignore_index=True), [(title, n) for d, title, n in rows if not d])


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
