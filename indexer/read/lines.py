"""What a reader found in one file, and the line rules the readers share.

A *headline* is a short line (at most 160 characters) that does not end like a sentence
(., !, …, :, ; or ,; a question mark is allowed). A headline followed by a non-headline
line starts a news item; its body runs until the next such headline. An *emoji heading*
is a line of at most 90 characters whose first character is an emoji or a flag.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from indexer.records import Section

_SENTENCE_END = tuple(".!…:;,")
_CREDIT = re.compile(
    r"^(?:images?|photos?|illustrations?|cr[ée]dits?(?: photos?| images?)?|credits?|source image)\s*:\s*\S.{0,100}$",
    re.I,
)
_ISSUE_NUMBER = re.compile(r"(?:\bn[°º]|\bnum[ée]ro|\bissue|\b[ée]dition|(?<!\S)#)\s*#?\s*(\d{1,5})\b", re.I)


@dataclass
class Parsed:
    """A reader's result before metadata overrides: None where the file does not say."""

    title: str | None
    sections: list[Section] = field(default_factory=list)
    date: str | None = None
    url: str | None = None
    number: int | None = None


def clean(line: str) -> str:
    """One line with its whitespace runs (no-break spaces included) collapsed."""
    return " ".join(line.split())  # str.split and re's \s agree on what whitespace is


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a space where there is one, marked with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def starts_with_emoji(line: str) -> bool:
    if not line:
        return False
    first = line[0]
    return ord(first) >= 0x2190 and unicodedata.category(first) == "So"


def is_emoji_heading(line: str) -> bool:
    return starts_with_emoji(line) and len(line) <= 90


def is_headline(line: str) -> bool:
    return 0 < len(line) <= 160 and not line.endswith(_SENTENCE_END)


def is_image_credit(line: str) -> bool:
    return bool(_CREDIT.match(line))


def number_in_title(title: str) -> int | None:
    """The issue number a title states ("AI Brew n°12", "Issue #12", "Numéro 12"), or None."""
    match = _ISSUE_NUMBER.search(title)
    return int(match.group(1)) if match else None


def group_items(heading: str, lines: list[str], parent: str | None = None) -> list[Section]:
    """Sections for one heading: its own text (lines before the first item) and its items.

    Items take `heading` as parent; without a heading they take `parent`. A headline with
    no body after it (a list line, an events line) stays text."""
    own: list[str] = []
    items: list[tuple[str, list[str]]] = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if is_headline(line) and nxt is not None and not is_headline(nxt):
            items.append((line, []))
        elif items:
            items[-1][1].append(line)
        else:
            own.append(line)
    item_parent = heading or parent
    out = [Section(title=heading, text="\n".join(own), parent=parent)] if own else []
    out += [Section(title=t, text="\n".join(body), parent=item_parent) for t, body in items if body]
    return out
