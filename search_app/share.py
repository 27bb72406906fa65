"""Shareable URLs: the page's state in the query string, and back.

    ?q=QUESTION            asks the question
    ?issue=ID&at=START     opens an issue, scrolled to the passage that holds offset START
    ?view=issues           the list of issues;  ?view=sites (&of=DOMAIN) the sites (and one site's items)
    ?like=ID&at=START      more like this: the passages of other issues nearest to that passage (&order=similarity)
    ?lang=en               the interface language (French by default)
    ?from=…&to=…           a period (YYYY-MM-DD or YYYY-MM); ?in=ID (repeated) issues; ?site=DOMAIN (repeated) sites

Everything read from a URL is checked, and what is left out comes back as a `Note` saying why:
`read` checks the form of each value, `check` checks them against the index. The rest of the link
still applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode, urlsplit, urlunsplit

from indexer.engine import MAX_QUESTION_CHARS
from indexer.search.index import Index
from indexer.search.retrieve import Filters
from indexer.search.similar import ORDERS

DEFAULT_ORDER = "similarity"  # more like this: the closest first (newest first put weak neighbours first)
PAGE_ORDERS = (DEFAULT_ORDER, *(o for o in ORDERS if o != DEFAULT_ORDER))  # the page's choices, its default first

from .filters import day_of
from .i18n import LANGUAGES

MAX_VALUE = 500  # characters kept of any value: a question is at most MAX_QUESTION_CHARS
VIEWS = ("ask", "issues", "sites")
NAMES = ("q", "issue", "at", "view", "of", "like", "order", "lang", "from", "to", "in", "site")
STREAMLIT_NAMES = ("embed", "embed_options")  # Streamlit's own, left to it
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


@dataclass(frozen=True)
class Note:
    """A part of a link that was left out: the parameter, its value, and why (an i18n key: link.REASON)."""

    name: str
    value: str
    reason: str


@dataclass(frozen=True)
class Shared:
    """What a URL asks for."""

    question: str | None = None
    issue: str | None = None
    at: int | None = None
    lang: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    issues: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    view: str | None = None
    of: str | None = None  # one site, in the Sites view
    like: str | None = None  # the issue of the passage whose neighbours are shown (its offset in `at`)
    order: str | None = None


def _values(params: Mapping, name: str, cap: int = MAX_VALUE) -> list[str]:
    value = params.get(name)
    values = value if isinstance(value, (list, tuple)) else [] if value is None else [value]
    return [str(v)[:cap] for v in values if str(v).strip()]


def _one(params: Mapping, name: str, cap: int = MAX_VALUE) -> str | None:
    values = _values(params, name, cap)
    return " ".join(values[-1].split()) if values else None


def valid_day(value: str) -> bool:
    """Whether `value` is a day or a month that exists ('2025-02-30', '2025-13', '0000-01-01' do not)."""
    if not _DATE.match(value):
        return False
    try:
        day_of(value)
        day_of(value, last=True)
    except ValueError:
        return False
    return True


def read(params: Mapping) -> tuple[Shared, list[Note]]:
    """What a query string asks for (`st.query_params`, lists per name), and the values left out for their form."""
    notes = [Note(name, _one(params, name) or "", "unknown_param") for name in params
             if name not in NAMES and name not in STREAMLIT_NAMES]

    def checked(name: str, ok, reason: str) -> str | None:
        value = _one(params, name)
        if value is not None and not ok(value):
            notes.append(Note(name, value, reason))
            return None
        return value

    question = _one(params, "q", 4 * MAX_QUESTION_CHARS)
    if question and len(question) > MAX_QUESTION_CHARS:
        notes.append(Note("q", question[:40], "long_question"))
        question = question[:MAX_QUESTION_CHARS]
    at = checked("at", str.isdigit, "bad_at")
    shared = Shared(
        question=question,
        issue=_one(params, "issue"),
        at=int(at) if at else None,
        lang=checked("lang", lambda v: v in LANGUAGES, "bad_lang"),
        date_from=checked("from", valid_day, "bad_date"),
        date_to=checked("to", valid_day, "bad_date"),
        issues=tuple(_values(params, "in")),
        sites=tuple(v.lower() for v in _values(params, "site")),
        view=checked("view", lambda v: v in VIEWS, "bad_view"),
        of=(_one(params, "of") or "").lower() or None,
        like=_one(params, "like"),
        order=checked("order", lambda v: v in ORDERS, "bad_order"),
    )
    return shared, notes


def check(shared: Shared, index: Index, bounds: tuple[date, date] | None) -> tuple[Shared, list[Note]]:
    """`shared` without what the index does not hold (unknown issues, sites, passages, a period
    outside the archive or ending before it starts), and a Note for each thing left out."""
    notes: list[Note] = []
    issues = [i for i in shared.issues if i in index.issues]
    notes += [Note("in", i, "unknown_issue") for i in shared.issues if i not in index.issues]
    known_sites = set().union(*index.columns["domains"]) if len(index) else set()
    sites = [s for s in shared.sites if s in known_sites]
    notes += [Note("site", s, "unknown_site") for s in shared.sites if s not in known_sites]
    of = shared.of
    if of and of not in known_sites:
        notes.append(Note("of", of, "unknown_site"))
        of = None
    issue, like = shared.issue, shared.like
    for name, value in (("issue", issue), ("like", like)):
        if value and value not in index.issues:
            notes.append(Note(name, value, "unknown_issue"))
    issue = issue if issue in index.issues else None
    like = like if like in index.issues else None
    at = shared.at
    if at is not None and not (issue or like):
        if not (shared.issue or shared.like):  # else the unknown issue was noted
            notes.append(Note("at", str(at), "at_alone"))
        at = None
    elif at is not None and passage_at(index, issue or like, at) is None:
        if issue:  # for `like`, the passage is noted below
            notes.append(Note("at", str(at), "beyond_issue"))
        at = None
    if like and at is None:
        notes.append(Note("like", like, "unknown_passage"))
        like = None
    date_from, date_to = shared.date_from, shared.date_to
    if date_from and date_to and day_of(date_from) > day_of(date_to, last=True):
        notes.append(Note("from", f"{date_from} > to={date_to}", "inverted"))
        date_from = date_to = None
    elif bounds and (date_from or date_to):
        start = day_of(date_from) if date_from else bounds[0]
        end = day_of(date_to, last=True) if date_to else bounds[1]
        if start > bounds[1] or end < bounds[0]:
            notes.append(Note("from" if date_from else "to", date_from or date_to, "outside"))
            date_from = date_to = None
    cleaned = replace(shared, issues=tuple(issues), sites=tuple(sites), of=of, issue=issue, like=like, at=at,
                      date_from=date_from, date_to=date_to)
    return cleaned, notes


def passage_at(index: Index, issue_id: str, at: int) -> tuple[int, int, int] | None:
    """(passage id, start, end) of the passage of `issue_id` that starts at `at`, or else holds it, or else (`at`
    between two passages: on an item's heading) the next one; None when `at` is beyond the issue's last passage."""
    spans = [(n, p.start, p.end) for n, p in enumerate(index.passages) if p.issue_id == issue_id]
    return (next((s for s in spans if s[1] == at), None) or next((s for s in spans if s[1] <= at < s[2]), None)
            or min((s for s in spans if s[1] > at), key=lambda s: s[1], default=None))


def params_for(*, lang: str = "fr", question: str | None = None, filters: Filters = Filters(),
               issue: str | None = None, at: int | None = None, view: str | None = None, of: str | None = None,
               like: str | None = None, order: str | None = None) -> dict[str, str | list[str]]:
    """The query parameters for a state; defaults are left out (French, the question view, no filter)."""
    params: dict[str, str | list[str]] = {}
    for name, value in (("q", question), ("issue", issue), ("like", like)):
        if value:
            params[name] = value
    if (issue or like) and at is not None:
        params["at"] = str(at)
    if like and order and order != DEFAULT_ORDER:
        params["order"] = order
    if view and view != "ask" and not (issue or like):
        params["view"] = view
        if view == "sites" and of:
            params["of"] = of
    if filters.date_from:
        params["from"] = filters.date_from
    if filters.date_to:
        params["to"] = filters.date_to
    if filters.issues:
        params["in"] = list(filters.issues)
    if filters.domains:
        params["site"] = list(filters.domains)
    if lang != "fr":
        params["lang"] = lang
    return params


def link(base: str, params: Mapping[str, str | list[str]]) -> str:
    """`base` (the page's URL; its own query and fragment dropped) with `params` as its query string."""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query_string(params)[1:], ""))


def query_string(params: Mapping[str, str | list[str]]) -> str:
    """'?' and `params` URL-encoded."""
    return "?" + urlencode(params, doseq=True)


def as_lists(params: Mapping) -> dict[str, list[str]]:
    """Query parameters as lists of values per name, in a form that compares equal for the same URL."""
    return {k: [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)] for k, v in params.items()
            if k not in STREAMLIT_NAMES}


def filters_of(shared: Shared) -> Filters:
    """The filters a URL asks for (dates as given; the page reconciles them with its date picker)."""
    return Filters(shared.date_from, shared.date_to, (), shared.issues, shared.sites)
