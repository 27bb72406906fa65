"""Reader for e-mail issues (.eml): one newsletter issue per message.

Rules: the text/html part is preferred and read as HTML; else the text/plain part is read
as plain text (or as Markdown when its subtype says so). Each part is decoded with its
declared charset, falling back to the `decode` rules. Subject is the title, the Date
header the date (YYYY-MM-DD, as written in the header's own time zone), and a List-Post
or Archived-At header the url when it holds one.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from indexer.errors import InputError
from indexer.read.decode import decode_bytes
from indexer.read.html import parse_html
from indexer.read.lines import Parsed, clean
from indexer.read.markdown import parse_markdown
from indexer.read.text import parse_text

_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_URL = re.compile(r"<?\s*(https?://[^>\s]+)\s*>?")


def parse_email(data: bytes, path: Path) -> Parsed:
    """Title, date, url and sections of one e-mail message."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not any(message.get(name) for name in ("From", "Subject", "Date")):
        raise InputError(path, "not an e-mail message (no From, Subject or Date header)")
    part = message.get_body(preferencelist=("html", "plain"))
    if part is None:
        raise InputError(path, "no text/html or text/plain part in the e-mail")
    text = _part_text(part, path)
    subtype = part.get_content_subtype()
    if subtype == "html":
        parsed = parse_html(text, path.stem)
    elif subtype in ("markdown", "x-markdown"):
        parsed = parse_markdown(text)
    else:
        parsed = parse_text(text, first_line_is_title=False)
    subject = clean(str(message.get("Subject", "")))
    return Parsed(
        title=subject or parsed.title,
        sections=parsed.sections,
        date=_header_date(message, path) or parsed.date,
        url=_header_url(message) or parsed.url,
    )


def _part_text(part: EmailMessage, path: Path) -> str:
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
        _check_base64(str(part.get_payload(decode=False) or ""), path)
    payload = part.get_payload(decode=True) or b""
    return decode_bytes(payload, path, charset=part.get_content_charset())


def _check_base64(raw: str, path: Path) -> None:
    """Refuse a body that is mostly not base64: decoding it would yield a few bytes of garbage."""
    body = "".join(raw.split())
    invalid = sum(1 for ch in body if ch not in _BASE64)
    if not body or invalid > 0.05 * len(body) or len(body.rstrip("=")) % 4 == 1:
        raise InputError(path, f"the e-mail body is declared base64 but is not ({invalid} of {len(body)} characters are not base64)")


def _header_date(message: EmailMessage, path: Path) -> str | None:
    raw = message.get("Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(str(raw)).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise InputError(path, f"Date header {str(raw)[:60]!r} is not a date") from exc


def _header_url(message: EmailMessage) -> str | None:
    for name in ("Archived-At", "List-Post"):
        match = _URL.search(str(message.get(name, "")))
        if match:
            return match.group(1)
    return None
