"""The page's few scripts, for st.html(..., unsafe_allow_javascript=True). None holds archive text: what
they are given is checked (anchors and keys are lowercase letters, digits and dashes) or JSON-encoded.

- `passage_script`: scroll the passage an issue was opened at into view, inside the issue's box;
- `bring_script`: bring an element (the latest question, or the page's top) to the top of the page,
  again while the page still grows (a page whose chat box is pinned by Streamlit sticks to its bottom),
  until it stays in place; it gives way at the reader's first scroll, touch or key, and to a newer request;
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


def passage_script(anchor: str) -> str:
    """A script that scrolls the element with id `anchor` into view once it is drawn."""
    return ("<script>(function () { var tries = 0; function go() {"
            f" var el = document.getElementById('{checked(anchor)}');"
            " if (el) { el.scrollIntoView({block: 'center'}); } else if (tries++ < 50) { setTimeout(go, 100); } }"
            " go(); })();</script>")


def bring_script(key: str | None, nonce: int) -> str:
    """A script that brings the container with `key` (st.container(key=...)) to the top of the page, or
    the page's top when `key` is None; `nonce` makes each request a new element, so that it runs."""
    target = f"'.st-key-{checked(key)}'" if key else "null"
    return (f"<script>(function () {{ var me = {int(nonce)}, start = Date.now(), still = 0, stop = false;"
            " window.aibBring = me;"  # a newer request supersedes this one
            " ['wheel', 'touchstart', 'keydown'].forEach(function (e) {"
            " window.addEventListener(e, function () { stop = true; }, {once: true, capture: true}); });"
            " function go() { if (stop || window.aibBring !== me || Date.now() - start > 10000) return;"
            f" var main = {MAIN}, el = {target} && document.querySelector({target});"
            f" if (main && ({target} === null || el)) {{"
            f" var off = el ? el.getBoundingClientRect().top - main.getBoundingClientRect().top - {HEADER} : -main.scrollTop;"
            " if (Math.abs(off) > 4 && main.scrollTop + off >= 0) { main.scrollTop += off; still = 0; }"
            " else if (++still > 12) { return; } }"
            " setTimeout(go, 80); } go(); })();</script>")


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
