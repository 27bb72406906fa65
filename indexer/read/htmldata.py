"""Articles kept as data in a page's <script> (`const newsData = {critical: [{title, summary, …}]}`).

Rule: every data item with a title and a text field (summary, description, …) is one
section; its text is the summary followed by "Source : <source>" when the item names one.
Items grouped under a key (`critical: [...]`) take as parent the heading the page's
template shows for that key (the last <h1-6> written before `.critical` is used), else
the key itself. JSON <script> blocks (application/json, ld+json) are read the same way.
"""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

from indexer.read.jsdata import assigned_literals
from indexer.read.lines import clean
from indexer.read.links import link, unique
from indexer.records import Section

_TEXT_KEYS = ("summary", "description", "excerpt", "body", "text", "content", "resume", "résumé")
_SOURCE_KEYS = ("source", "sources", "publisher")
_URL_KEYS = ("url", "link", "href", "sourceUrl", "source_url")
_TEMPLATE_HEADING = re.compile(r"<h[1-6][^>]*>([^<>${}]+)</h[1-6]>")


def script_sections(soup: BeautifulSoup) -> list[Section]:
    """Sections from the data of the page's inline scripts (empty when there is none)."""
    sections: list[Section] = []
    for script in soup.find_all("script"):
        if script.get("src"):
            continue
        code = script.string or script.get_text()
        kind = str(script.get("type", "")).lower()
        for value, rest in _values(code, kind):
            sections += _from_value(value, rest)
    return sections


def _values(code: str, kind: str) -> list[tuple[object, str]]:
    """(data value, the script text after it) pairs."""
    if "json" in kind:
        try:
            return [(json.loads(code), "")]
        except ValueError:
            return []
    return [(value, code[end:]) for _name, value, end in assigned_literals(code)]


def _from_value(value: object, template: str) -> list[Section]:
    if isinstance(value, list):
        return [s for item in value if (s := _item(item, None))]
    if not isinstance(value, dict):
        return []
    if single := _item(value, None):
        return [single]
    out: list[Section] = []
    for key, items in value.items():
        if isinstance(items, list):
            parent = _template_heading(str(key), template) or str(key)
            out += [s for item in items if (s := _item(item, parent))]
    return out


def _item(item: object, parent: str | None) -> Section | None:
    if not isinstance(item, dict) or not isinstance(item.get("title"), str):
        return None
    text = next(
        (clean(str(item[k])) for k in _TEXT_KEYS if isinstance(item.get(k), str) and item[k].strip()), ""
    )
    if not text:
        return None
    source = next((item[k] for k in _SOURCE_KEYS if item.get(k)), None)
    if isinstance(source, list):
        source = ", ".join(str(s) for s in source)
    lines = [text] + ([f"Source : {clean(str(source))}"] if source else [])
    links = unique(link(item[k], clean(item["title"])) for k in _URL_KEYS if isinstance(item.get(k), str))
    return Section(title=clean(item["title"]), text="\n".join(lines), parent=parent, links=links)


def _template_heading(key: str, template: str) -> str | None:
    use = re.search(rf"\.{re.escape(key)}\b", template)
    if not use:
        return None
    headings = _TEMPLATE_HEADING.findall(template[: use.start()])
    return clean(headings[-1]) if headings and clean(headings[-1]) else None
