"""Shareable URLs: the page's state in the query string, and back.

    ?q=QUESTION            asks the question
    ?issue=ID&at=START     opens an issue, scrolled to the passage that starts at START
    ?lang=en               the interface language (French by default)
    ?from=…&to=…           a period (YYYY-MM-DD or YYYY-MM); ?in=ID (repeated) issues; ?site=DOMAIN (repeated) sites

Everything read from a URL is checked: unknown languages, malformed dates and numbers are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from indexer.retrieve import Filters

from .i18n import LANGUAGES

MAX_VALUE = 500  # characters: a question is at most MAX_QUESTION_CHARS
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


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


def _values(params: Mapping, name: str) -> list[str]:
    value = params.get(name)
    values = value if isinstance(value, (list, tuple)) else [] if value is None else [value]
    return [str(v)[:MAX_VALUE] for v in values if str(v).strip()]


def _one(params: Mapping, name: str) -> str | None:
    values = _values(params, name)
    return " ".join(values[-1].split()) if values else None


def read(params: Mapping) -> Shared:
    """The state a query string asks for (`st.query_params.to_dict()`, or lists per name)."""
    at = _one(params, "at")
    lang = _one(params, "lang")
    dates = [d if d and _DATE.match(d) else None for d in (_one(params, "from"), _one(params, "to"))]
    return Shared(
        question=_one(params, "q"),
        issue=_one(params, "issue"),
        at=int(at) if at and at.isdigit() else None,
        lang=lang if lang in LANGUAGES else None,
        date_from=dates[0],
        date_to=dates[1],
        issues=tuple(_values(params, "in")),
        sites=tuple(v.lower() for v in _values(params, "site")),
    )


def params_for(*, lang: str = "fr", question: str | None = None, filters: Filters = Filters(),
               issue: str | None = None, at: int | None = None) -> dict[str, str | list[str]]:
    """The query parameters for a state; defaults are left out (French, no filter)."""
    params: dict[str, str | list[str]] = {}
    if question:
        params["q"] = question
    if issue:
        params["issue"] = issue
        if at is not None:
            params["at"] = str(at)
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
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(params, doseq=True), ""))


def filters_of(shared: Shared) -> Filters:
    """The filters a URL asks for (dates as given; the page reconciles them with its date picker)."""
    return Filters(shared.date_from, shared.date_to, (), shared.issues, shared.sites)
