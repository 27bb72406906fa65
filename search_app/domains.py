"""The sites the newsletter links to: how often, in how many issues, over time; and each site's items."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import altair as alt
import pandas as pd

from indexer.search.index import Index
from indexer.records import Link

from .filters import day_of


@dataclass(frozen=True)
class Item:
    passage_id: int
    issue_id: str
    links: tuple[Link, ...]  # this item's links to the site


def table(index: Index) -> pd.DataFrame:
    """One row per site, most linked first: site, items (passages linking to it), issues, first and last issue date."""
    items: dict[str, int] = defaultdict(int)
    issues: dict[str, set[str]] = defaultdict(set)
    for p in index.passages:
        for domain in {link.domain for link in p.links}:
            items[domain] += 1
            issues[domain].add(p.issue_id)
    rows = []
    for domain, n in items.items():
        dates = sorted(d for i in issues[domain] if (d := index.issues[i].date))
        rows.append({"site": domain, "items": n, "issues": len(issues[domain]),
                     "first": dates[0] if dates else None, "last": dates[-1] if dates else None})
    frame = pd.DataFrame(rows, columns=["site", "items", "issues", "first", "last"])
    return frame.sort_values(["items", "site"], ascending=[False, True], ignore_index=True)


def over_time(index: Index, sites: list[str]) -> pd.DataFrame:
    """Items per dated issue for each of `sites`: day (plotted), date, site, items."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for p in index.passages:
        date = index.issues[p.issue_id].date
        for domain in {link.domain for link in p.links} & set(sites):
            if date:
                counts[(date, domain)] += 1
    rows = [{"day": day_of(d).isoformat(), "date": d, "site": s, "items": n} for (d, s), n in counts.items()]
    return pd.DataFrame(rows, columns=["day", "date", "site", "items"]).sort_values(["day", "site"], ignore_index=True)


def chart(frame: pd.DataFrame, *, x_title: str, y_title: str, site_title: str) -> alt.Chart:
    """Stacked bars: items per issue date, coloured by site."""
    return (
        alt.Chart(frame)
        .mark_bar(size=7)
        .encode(
            x=alt.X("day:T", title=x_title, scale=alt.Scale(type="utc", padding=16),
                    axis=alt.Axis(format="%Y-%m-%d", labelAngle=0, labelOverlap="greedy", labelSeparation=6, tickCount=4)),
            y=alt.Y("sum(items):Q", title=y_title, axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("site:N", title=site_title, legend=alt.Legend(orient="bottom", columns=2)),  # a phone's width for the bars
            tooltip=[alt.Tooltip("date:N", title=x_title), alt.Tooltip("site:N", title=site_title), alt.Tooltip("items:Q", title=y_title)],
        )
        .properties(height=240)
    )


def items_of(index: Index, site: str) -> list[Item]:
    """The passages that link to `site`, newest issue first."""
    found = [Item(n, p.issue_id, tuple(link for link in p.links if link.domain == site))
             for n, p in enumerate(index.passages) if any(link.domain == site for link in p.links)]
    return sorted(found, key=lambda item: (index.issues[item.issue_id].date or "", -item.passage_id), reverse=True)


def counts(index: Index) -> dict[str, int]:
    """Items per site, for the sidebar's site filter."""
    frame = table(index)
    return dict(zip(frame["site"], frame["items"]))
