"""Archive text made safe to show: Markdown escaped, or HTML-escaped with <mark> around used sentences.

Every piece of archive text goes through `html.escape` or `escape_markdown` before it reaches the page;
the only markup in the output is the markup written here."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # the page's first screen imports this module: no search stack yet
    from indexer.answer.answer import Answer

from .scripts import checked

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-=.!|<>~$:&^])")
_CITATION = re.compile(r"\\\[(\d+)\\\]")

STYLE = """<style>
.aib-text { white-space: pre-wrap; line-height: 1.6; overflow-wrap: anywhere; }
.aib-issue { padding: .75rem 1rem; border: 1px solid rgba(128, 128, 128, .35); border-radius: .5rem; }
.aib-passage { background: rgba(255, 200, 60, .16); border-radius: 2px; }
mark.aib-used { background: #ffe08a; color: #1f1f1f; padding: 0 1px; border-radius: 2px; }
.aib-meta { font-size: .9rem; margin-bottom: .35rem; }
.aib-meta .aib-dim { opacity: .7; }
.aib-badge { font-size: .75rem; padding: 0 .4rem; border-radius: .6rem; white-space: nowrap; }
.aib-badge-cited { background: rgba(33, 150, 83, .18); }
.aib-badge-also { background: rgba(128, 128, 128, .18); }
.aib-links a { margin-right: .6rem; white-space: nowrap; }
.aib-sites { max-height: 320px; overflow-y: auto; border: 1px solid rgba(128, 128, 128, .35); border-radius: .5rem; }
.aib-sites table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.aib-sites th { position: sticky; top: 0; background: rgb(240, 242, 246); text-align: left; }
.aib-sites th, .aib-sites td { padding: .25rem .5rem; border-bottom: 1px solid rgba(128, 128, 128, .2); }
.aib-sites td.aib-site { overflow-wrap: anywhere; }
.aib-sites td.aib-items, .aib-sites td.aib-issues { text-align: right; }
.aib-counter { font-size: .8rem; opacity: .8; text-align: right; padding: .1rem .75rem 0; }
.aib-counter.aib-over { color: #c62828; opacity: 1; }
[class*="st-key-latest-"] button p, [class*="st-key-issue-"] button p {
  text-decoration: underline; text-underline-offset: 3px; text-decoration-color: rgba(128, 128, 128, .6); }
[data-testid="stCode"] > div:has([data-testid="stElementToolbarButton"]) { opacity: 1 !important; visibility: visible !important; }
[class*="st-key-turn-"] { scroll-margin-top: 4rem; }
[data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"] { scroll-padding: 4.5rem 0 10rem; }
.aib-skip { position: fixed; left: 1rem; top: .5rem; z-index: 1000100; padding: .4rem .8rem; border-radius: .4rem;
  background: #1f1f1f; color: #fff !important; transform: translateY(-200%); }
.aib-skip:focus { transform: none; }
@media (max-width: 640px) {
  [data-testid="stChatMessageAvatarUser"], [data-testid="stChatMessageAvatarAssistant"],
  [data-testid="stChatMessageAvatarCustom"] { display: none; }
  [data-testid="stChatMessage"] { padding: .25rem 0; gap: 0; }
  [class*="st-key-card-"] { padding: .6rem .7rem !important; }
  [class*="st-key-card-"] button { padding: .1rem .45rem !important; min-height: 2.2rem !important; gap: .25rem !important; }
  [class*="st-key-card-"] button p { font-size: .82rem !important; }
  [class*="st-key-card-"] [data-testid="stHorizontalBlock"], [class*="st-key-card-"] .stHorizontalBlock { gap: .35rem !important; }
  .aib-issue { padding: .5rem .6rem; }
  .aib-sites table { font-size: .8rem; } .aib-sites .aib-first { display: none; }
  [class*="st-key-dated-"] [data-testid="stHorizontalBlock"] { flex-wrap: nowrap !important; gap: .6rem !important; }
  [class*="st-key-dated-"] [data-testid="stColumn"] { min-width: 0 !important; }
  [class*="st-key-dated-"] [data-testid="stColumn"]:first-child { flex: 0 0 5.6rem !important; }
}
</style>"""


def escape_markdown(text: str) -> str:
    """`text` shown verbatim by st.markdown: every character Markdown (or Streamlit's extensions) could read is escaped."""
    return _MARKDOWN.sub(r"\\\1", text)


def answer_markdown(text: str) -> str:
    """An answer for st.markdown: escaped, with its [n] citations in bold, each of its lines (a
    headline, a digest's item) a line of its own."""
    return "  \n".join(_CITATION.sub(r"**\\[\1\\]**", escape_markdown(line)) for line in text.split("\n"))


def used_spans(answer: Answer, rank: int) -> list[tuple[int, int]]:
    """Issue-text offsets of the answer's sentences taken from source `rank` (1-based)."""
    return [(s.start, s.end) for s in answer.sentences if s.citation == rank]


def marked_html(text: str, used: Sequence[tuple[int, int]] = (), *, offset: int = 0,
                passage: tuple[int, int] | None = None, anchor: str | None = None) -> str:
    """`text` (starting at `offset` in its issue) as escaped HTML: the `used` spans in <mark>, the
    `passage` span shaded, and an empty element with id `anchor` where the passage starts."""
    if anchor is not None:
        checked(anchor)
    local = [(max(s - offset, 0), min(e - offset, len(text))) for s, e in used if e > offset and s < offset + len(text)]
    span = (max(passage[0] - offset, 0), min(passage[1] - offset, len(text))) if passage else None
    cuts = sorted({0, len(text), *(p for s in local for p in s), *(span or ())})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if anchor and span and a == span[0]:
            out.append(f'<span id="{anchor}"></span>')
        piece = html.escape(text[a:b])
        if any(s <= a and b <= e for s, e in local):
            piece = f'<mark class="aib-used">{piece}</mark>'
        if span and span[0] <= a and b <= span[1]:
            piece = f'<span class="aib-passage">{piece}</span>'
        out.append(piece)
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (never a javascript: or data: one)."""
    return url if url and re.match(r"^https?://[^\s<>\"']+$", url, re.IGNORECASE) else None


def source_html(rank: int | None, title: str, details: Sequence[str], body: str, *, badge: tuple[str, str] | None = None,
                links: Sequence[tuple[str, str, str]] = ()) -> str:
    """A source card: '[rank] title' (the title alone when `rank` is None), a `badge` (kind, label), its details
    (date, section, language), its `links` ((text, URL, tooltip), http(s) only) and its marked `body`."""
    meta = " · ".join(html.escape(d) for d in details if d)
    number = f"[{rank}] " if rank is not None else ""
    mark = f' <span class="aib-badge aib-badge-{html.escape(badge[0])}">{html.escape(badge[1])}</span>' if badge else ""
    anchors = "".join(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer" title="{html.escape(tip)}">'
                      f'{html.escape(text)} ↗</a>' for text, url, tip in links if safe_url(url))
    return (f'<div class="aib-meta"><b>{number}{html.escape(title)}</b>{mark} '
            f'<span class="aib-dim">{meta}</span>'
            + (f'<div class="aib-links">{anchors}</div>' if anchors else "")
            + f'</div><div class="aib-text">{body}</div>')
