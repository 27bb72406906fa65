"""A posts CSV export read from a local file: one row per post, the body in `content_html`.

Columns are matched by name, first match wins: id (id, post_id), title (web_title, title,
subject_line), subtitle (web_subtitle, subtitle), url (url, web_url), date (publish_date,
published_at, created_at: Unix seconds or an ISO date and time), slug, body (content_html,
html, content), tags (content_tags, tags: separated by commas).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from indexer.errors import SyncError
from indexer.sync.deadline import NO_DEADLINE, Deadline
from indexer.sync.files import NotRegular, open_regular
from indexer.sync.post import Post, article_body, day_of, fingerprint
from indexer.sync.listing import Entry, Listing

COLUMNS = {
    "id": ("id", "post_id"),
    "title": ("web_title", "title", "subject_line"),
    "subtitle": ("web_subtitle", "subtitle"),
    "url": ("url", "web_url"),
    "date": ("publish_date", "published_at", "created_at"),
    "slug": ("slug",),
    "body": ("content_html", "html", "content"),
    "tags": ("content_tags", "tags"),
}


def list_csv(path: Path, *, name: str, clock: Deadline = NO_DEADLINE) -> Listing:
    """The posts of the CSV file at `path` (a regular file: a FIFO or a device is refused, not
    waited on). A column named twice gives each row its first non-empty cell of that name."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # post bodies are long
    try:
        with open_regular(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            header = [h.strip().lower() for h in next(rows, [])]
            listing = Listing(complete=True)
            if header and not any(c in header for c in COLUMNS["body"]):
                raise SyncError(name, f"no post body column (expected one of {', '.join(COLUMNS['body'])})")
            for number, row in enumerate(rows, 2):
                clock.check()
                cells: dict[str, str] = {}
                for column, value in zip(header, row):  # extra cells: no column
                    if value.strip() and not cells.get(column):
                        cells[column] = value.strip()
                entry = _entry(cells, number, name)
                (listing.entries if isinstance(entry, Entry) else listing.skipped).append(entry)
    except FileNotFoundError:
        raise SyncError(name, "file not found") from None
    except NotRegular as exc:
        raise SyncError(name, str(exc)) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SyncError(name, f"cannot be read as UTF-8 CSV ({exc})") from None
    return listing


def _entry(row: dict, line: int, name: str) -> Entry | tuple[str, str]:
    get = {field: next((row[c] for c in names if row.get(c)), "") for field, names in COLUMNS.items()}
    key = get["id"] or get["url"]
    title = get["title"] or get["slug"] or key
    if not key:
        return (f"line {line}", "no id or url")
    if not get["body"]:
        return (title, f"line {line}: empty post body")
    try:
        day = day_of(get["date"])
    except ValueError:
        return (title, f"line {line}: date {get['date'][:40]!r} is neither Unix seconds nor an ISO date")

    def load() -> Post:
        return Post(key=key, title=title, body_html=article_body(get["body"], page=True), url=get["url"] or None, date=day,
                    subtitle=get["subtitle"] or None, slug=get["slug"] or None,
                    tags=tuple(t.strip() for t in get["tags"].split(",") if t.strip()))

    return Entry(key=key, title=title, url=get["url"] or None, fingerprint=fingerprint(get), load=load)

