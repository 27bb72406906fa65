"""The page's few scripts, for st.html(..., unsafe_allow_javascript=True). None holds archive text: what
they are given is checked (anchors and keys are lowercase letters, digits and dashes) or JSON-encoded.

- `passage_script`: scroll the page so that the passage an issue was opened at (its marked sentences)
  sits in the visible part of the page, below the header and above the pinned question bar;
- `bring_script`: bring an element (the latest question, or the page's top) to the top of the page,
  again while the page still grows (a page whose chat box is pinned by Streamlit sticks to its bottom),
  until it stays in place; it gives way at the reader's first scroll, touch or key, and to a newer request;
- `history_script`: put an earlier address in the browser's history, before the current one;
- `skip_script`: a link, first in the keyboard order, to the question box;
- `counter_script`: a character counter under the question box as its length nears the limit.
"""

from __future__ import annotations

import json
import re

_ANCHOR = re.compile(r"^[a-z][a-z0-9-]*$")
MAIN = "document.querySelector('[data-testid=\"stMain\"], [data-testid=\"stAppScrollToBottomContainer\"]')"  # scrolls the main area
HEADER = 64  # px the page's header covers


def checked(name: str) -> str:
    """`name`, when it is safe as an element id inside a script or attribute; else ValueError."""
    if not _ANCHOR.match(name):
        raise ValueError(f"anchor {name!r} must be lowercase letters, digits and dashes")
    return name


# The visible part of the page: below the header, above the pinned question bar (JS, `main` in scope).
_VIEW = ("var head = document.querySelector('[data-testid=\"stHeader\"]'),"
         " bar = document.querySelector('[data-testid=\"stBottom\"]'),"
         f" top = Math.max(head ? head.getBoundingClientRect().bottom : {HEADER}, main.getBoundingClientRect().top),"
         " bottom = bar && bar.getBoundingClientRect().height ? Math.min(bar.getBoundingClientRect().top, innerHeight) : innerHeight;")


def _settle(nonce: int, offset: str) -> str:
    """A script that scrolls the page's main area by `offset` (a JS expression over `main`, `top` and
    `bottom`, null while what it aims at is not drawn) again while the page still grows, until it stays in
    place; it gives way at the reader's first scroll, touch or key, and to a newer request."""
    return (f"<script>(function () {{ var me = {int(nonce)}, start = Date.now(), still = 0, stop = false;"
            " window.aibBring = me;"  # a newer request supersedes this one
            " ['wheel', 'touchstart', 'keydown'].forEach(function (e) {"
            " window.addEventListener(e, function () { stop = true; }, {once: true, capture: true}); });"
            " function go() { if (stop || window.aibBring !== me || Date.now() - start > 10000) return;"
            f" var main = {MAIN}; if (main) {{ {_VIEW} var off = {offset};"
            " if (off !== null) { var room = main.scrollHeight - main.clientHeight - main.scrollTop;"
            " off = Math.max(-main.scrollTop, Math.min(off, room));"
            " if (Math.abs(off) > 4) { main.scrollTop += off; still = 0; } else if (++still > 12) { return; } } }"
            " setTimeout(go, 80); } go(); })();</script>")


def passage_script(anchor: str, nonce: int = 0) -> str:
    """A script that scrolls the page so that the passage starting at the element with id `anchor` (its
    marked sentences, when it has some) sits in the visible part of the page, below the header and above
    the pinned question bar; when it is taller than that, its start (its first marked sentence) at the top."""
    return _settle(nonce, "(function () {"
                   f" var a = document.getElementById('{checked(anchor)}'); if (!a) return null;"
                   " var box = a.closest('.aib-issue'), marks = box.querySelectorAll('mark.aib-used');"
                   " var parts = marks.length ? marks : box.querySelectorAll('.aib-passage');"
                   " var first = (marks.length ? marks[0] : a).getBoundingClientRect().top, last = first;"
                   " parts.forEach(function (m) { last = Math.max(last, m.getBoundingClientRect().bottom); });"
                   " var margin = Math.min(34, (bottom - top) / 8);"  # a line of what comes before: the item's heading
                   " if (last - first <= bottom - top - 2 * margin) return first - top - margin;"
                   " return first - top - 8; })()")


def bring_script(key: str | None, nonce: int) -> str:
    """A script that brings the container with `key` (st.container(key=...)) to the top of the page, or
    the page's top when `key` is None; `nonce` makes each request a new element, so that it runs."""
    if key is None:
        return _settle(nonce, "-main.scrollTop")
    return _settle(nonce, f"(function () {{ var el = document.querySelector('.st-key-{checked(key)}');"
                          f" return el ? el.getBoundingClientRect().top - main.getBoundingClientRect().top - {HEADER} : null; }})()")


def history_script(before: str, now: str, nonce: int) -> str:
    """A script that, once the address bar shows the query string `now`, puts `before` in the browser's history
    just before it (Back then goes to `before`); both are JSON-encoded."""
    pair = json.dumps({"before": before, "now": now, "nonce": int(nonce)}).replace("<", "\\u003c")
    return ("<script>(function () { var p = " + pair + ", start = Date.now();"
            " function same(a, b) { return new URLSearchParams(a).toString() === new URLSearchParams(b).toString(); }"
            " function go() { if (same(location.search, p.now)) {"
            " var s = history.state; history.replaceState(s, '', location.pathname + p.before);"
            " history.pushState(s, '', location.pathname + p.now); }"
            " else if (Date.now() - start < 5000) { setTimeout(go, 50); } } go(); })();</script>")


def skip_script(text: str) -> str:
    """A script that puts a "go to the question box" link first in the page's keyboard order: hidden until
    focused (the first Tab), it moves the focus to the question box."""
    label = json.dumps(text).replace("<", "\\u003c")
    return ("<script>(function () { if (document.querySelector('.aib-skip')) {"
            f" document.querySelector('.aib-skip').textContent = {label}; return; }}"
            " var a = document.createElement('a'); a.className = 'aib-skip'; a.href = '#';"
            f" a.setAttribute('data-testid', 'aibSkip'); a.textContent = {label};"
            " a.addEventListener('click', function (e) { e.preventDefault();"
            " var box = document.querySelector('[data-testid=\"stChatInputTextArea\"]'); if (box) box.focus(); });"
            " document.body.insertBefore(a, document.body.firstChild); })();</script>")


def counter_script(limit: int, warn_at: int, text: str, over: str) -> str:
    """A script that shows '{n} / {max}' (`text`, or `over` past `limit`) under the question box from `warn_at` characters."""
    texts = json.dumps({"text": text, "over": over, "limit": limit, "warn": warn_at}).replace("<", "\\u003c")
    return ("<script>(function () { window.aibCounterTexts = " + texts + ";"
            " if (window.aibCounter) return; window.aibCounter = true;"
            " function tick() { var t = window.aibCounterTexts, box = document.querySelector('[data-testid=\"stChatInputTextArea\"]');"
            " if (!box) return; var input = box.closest('[data-testid=\"stChatInput\"]'), out = input.nextElementSibling;"
            " if (!out || !out.classList.contains('aib-counter')) { out = document.createElement('div');"
            " out.className = 'aib-counter'; out.setAttribute('data-testid', 'aibCounter');"
            " out.setAttribute('aria-live', 'polite'); input.after(out); }"
            " var n = box.value.replace(/\\s+/g, ' ').trim().length;"
            " out.style.display = n >= t.warn ? 'block' : 'none'; out.classList.toggle('aib-over', n > t.limit);"
            " out.textContent = (n > t.limit ? t.over : t.text).replace('{n}', n).replace('{max}', t.limit); }"
            " document.addEventListener('input', tick, true); setInterval(tick, 250); })();</script>")
