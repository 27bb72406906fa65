"""The archive's name, as the page's title says it: the maintainer's (AIBREW_TITLE), or the newsletter's
own, read from its issues' titles ("AI Weekly – 7-12 décembre 2025" -> "AI Weekly") when at least half
of them share it. Light on purpose: the title is drawn before the engine loads (the first screen)."""

from __future__ import annotations

import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .i18n import t

ENV = "AIBREW_TITLE"
MAX_NAME = 60  # characters of a name shown
_SEPARATOR = re.compile(r"\s+[-–—|:]\s+|\s*:\s+")  # "AI Weekly – …", "AI Weekly - …", "AI Weekly : …"


def newsletter_name(titles: Iterable[str]) -> str | None:
    """The name most issue titles start with (before a dash or a colon), when at least half of them do."""
    titles = [t.strip() for t in titles if t and t.strip()]
    heads = Counter(" ".join(parts[0].split()) for t in titles if len(parts := _SEPARATOR.split(t, maxsplit=1)) == 2)
    if not heads:
        return None
    name, count = heads.most_common(1)[0]
    return name[:MAX_NAME] if name and 2 * count >= len(titles) else None


def _titles(build: str) -> list[str]:
    with sqlite3.connect(f"file:{build}/passages.sqlite?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("SELECT title FROM issues")]


@lru_cache(maxsize=8)
def _build_name(build: str, mtime_ns: int) -> str | None:
    """The newsletter's name in a build, read once per build (and database's modification time), not each run of the page."""
    return newsletter_name(_titles(build))


def archive_name(folder: Path) -> str | None:
    """AIBREW_TITLE when set, else the newsletter's name from the index's issues, else None."""
    chosen = " ".join(os.environ.get(ENV, "").split())
    if chosen:
        return chosen[:MAX_NAME]
    from indexer.build.store import current_build
    from indexer.errors import IndexerError

    try:
        build = current_build(Path(folder), check_manifest=False)
        return _build_name(str(build), (build / "passages.sqlite").stat().st_mtime_ns)
    except (OSError, sqlite3.Error, IndexerError):
        return None


def heading(name: str | None, lang: str) -> str:
    """The page's title: '{name} — the archive', or 'The newsletter's archive' with no name."""
    return t("title", lang, name=name) if name else t("title.plain", lang)
