"""From the sidebar's widgets (and the period picked on the timeline) to `Filters`; issue ordering and labels."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date
from typing import Iterable, Sequence

from indexer.records import IssueInfo
from indexer.search.retrieve import Filters


def day_of(value: str, *, last: bool = False) -> date:
    """'YYYY-MM-DD' as a date; 'YYYY-MM' as the month's first (or `last`) day."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 2:
        parts.append(calendar.monthrange(*parts)[1] if last else 1)
    return date(*parts)


def date_bounds(issues: Iterable[IssueInfo]) -> tuple[date, date] | None:
    """The first and last day the dated issues cover, or None when no issue is dated."""
    dates = [i.date for i in issues if i.date]
    if not dates:
        return None
    return min(day_of(d) for d in dates), max(day_of(d, last=True) for d in dates)


def newest_first(issues: Iterable[IssueInfo]) -> list[IssueInfo]:
    """Dated issues newest first (a month-only date sorts at its month's start), then undated ones by title."""
    dated = sorted((i for i in issues if i.date), key=lambda i: (day_of(i.date), i.title), reverse=True)
    return dated + sorted((i for i in issues if not i.date), key=lambda i: i.title)


def issue_labels(issues: Sequence[IssueInfo]) -> dict[str, str]:
    """A label per issue id for pickers: title and date, plus the file where two would read the same."""
    base = {i.id: f"{i.title} ({i.date})" if i.date else i.title for i in issues}
    seen = Counter(base.values())
    return {i.id: base[i.id] if seen[base[i.id]] == 1 else f"{base[i.id]} · {i.source}" for i in issues}


def build_filters(
    dates: Sequence[date],
    bounds: tuple[date, date] | None,
    languages: Sequence[str] = (),
    issues: Sequence[str] = (),
    period: tuple[str, str] | None = None,
    sites: Sequence[str] = (),
) -> Filters:
    """Filters from the sidebar: the whole date range means no date filter (undated issues stay in);
    a period picked on the timeline narrows the dates further."""
    start = dates[0] if len(dates) > 0 else None
    end = dates[1] if len(dates) > 1 else None
    if bounds is not None:
        start = None if start is not None and start <= bounds[0] else start
        end = None if end is not None and end >= bounds[1] else end
    date_from = start.isoformat() if start else None
    date_to = end.isoformat() if end else None
    if period is not None:
        date_from = max(filter(None, (date_from, period[0])))
        date_to = min(filter(None, (date_to, period[1])))
    return Filters(date_from, date_to, tuple(sorted(languages)), tuple(issues), tuple(sites))


def describe(filters: Filters, labels: dict[str, str]) -> str:
    """The filters in a line, for the caption under an answer; empty when nothing is filtered."""
    parts = []
    if filters.date_from or filters.date_to:
        parts.append(f"{filters.date_from or '…'} → {filters.date_to or '…'}")
    if filters.languages:
        parts.append(", ".join(filters.languages))
    parts.extend(labels.get(i, i) for i in filters.issues)
    parts.extend(filters.domains)
    return " · ".join(parts)
