"""Issue metadata given by hand: YAML front matter, or a sidecar file beside the issue.

Keys: title, date ('YYYY-MM-DD' or 'YYYY-MM'; a date and time such as Hugo's
2024-06-11T08:00:00+02:00 or Jekyll's 2025-02-03 09:00:00 +0100 is read as the day it states),
url, number (the issue number), language, and draft (`draft: true` skips the file). Other keys
(Hugo's tags and categories, Jekyll's layout and permalink, Obsidian's aliases and cssclasses,
what `indexer sync` writes besides) are ignored. Front matter overrides what the reader found,
and a sidecar (`<stem>.meta.yaml`, `.meta.yml` or `.meta.json`) overrides both. A used key of
the wrong type, a malformed file or an impossible date is an InputError that names the problem;
a missing key stays None.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import yaml

from indexer.errors import InputError
from indexer.records import check_date

KEYS = ("title", "date", "url", "number", "language")
DRAFT = "a draft (draft: true in the front matter); it is indexed once it is published"
SIDECAR_SUFFIXES = (".meta.yaml", ".meta.yml", ".meta.json")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so that `_checked_date` reports a bad one, and
    refuses aliases: metadata never needs them, and nested ones ("billion laughs") explode."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _AliasRefused("metadata may not use YAML aliases (*name)")
        return super().compose_node(parent, index)


class _AliasRefused(yaml.YAMLError):
    pass



_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
MAX_META_CHARS = 20_000  # front matter or sidecar: five short keys
_TEXT_KEYS = {"title": (str, int, float), "url": (str,), "language": (str,)}
# a day, then maybe a time (hh:mm[:ss[.fff]]) and an offset (Z, +02:00, +0100): the day is what counts
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[Tt ]\s*([01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    """(metadata, body) of a text starting with a `---` YAML block; ({}, text) without one."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    block = match.group(1) or ""
    if len(block) > MAX_META_CHARS:
        raise InputError(path, f"front matter is {len(block):,} characters long (at most {MAX_META_CHARS:,}); shorten it")
    try:
        data = yaml.load(block, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise InputError(path, f"front matter is not valid YAML ({_first_line(exc)})") from exc
    return checked_metadata(data, path, "front matter"), text[match.end() :]


def sidecar_path(path: Path) -> Path | None:
    """The metadata file beside `path`, if there is one."""
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_name(path.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR_SUFFIXES)


def read_sidecar(path: Path) -> dict:
    """Checked metadata from the sidecar of issue file `path` ({} when there is none)."""
    side = sidecar_path(path)
    if side is None:
        return {}
    try:
        raw = side.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"metadata file {side.name} cannot be read ({_first_line(exc)})") from exc
    return checked_sidecar(raw, path, side.name)


def checked_sidecar(raw: str, path: Path, name: str) -> dict:
    """The checked metadata of sidecar text `raw` named `name` (JSON when it ends in .json, else YAML),
    for issue file `path`: what `read_sidecar` reads from a file, or raises."""
    where = f"metadata file {name}"
    try:
        if len(raw) > MAX_META_CHARS:
            raise ValueError(f"{len(raw):,} characters long, at most {MAX_META_CHARS:,}")
        data = json.loads(raw) if name.endswith(".json") else yaml.load(raw, Loader=_Loader)
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(path, f"{where} cannot be read ({_first_line(exc)})") from exc
    return checked_metadata(data or {}, path, where)


def checked_metadata(data: object, path: Path, where: str) -> dict:
    """The keys the index uses, checked (see the module), from metadata `data`; or InputError."""
    if not isinstance(data, dict):
        raise InputError(path, f"{where} must be a mapping of keys such as {', '.join(KEYS)}")
    if _checked_draft(data.get("draft"), path, where):
        raise InputError(path, DRAFT)
    out: dict = {}
    for key, value in data.items():
        if key not in KEYS or value is None or value == "":
            continue
        if key == "date":
            out[key] = _checked_date(value, path, where)
        elif key == "number":
            out[key] = _checked_number(value, path, where)
        elif isinstance(value, bool) or not isinstance(value, _TEXT_KEYS[key]):
            raise InputError(path, f"{where}: {key} must be {'text' if key != 'title' else 'text or a number'}, not {_kind(value)}")
        else:
            out[key] = str(value).strip()
    return out


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)


def _checked_draft(value: object, path: Path, where: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", ""):
        return value.strip().lower() in ("true", "yes")
    raise InputError(path, f"{where}: draft must be true or false, not {_kind(value) if not isinstance(value, str) else repr(value[:40])}")


def _checked_date(value: object, path: Path, where: str) -> str:
    if isinstance(value, (date, datetime)):  # YAML's own dates (`!!timestamp`): the day as written
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InputError(path, f"{where}: date must be text such as 2024-04-17, not {_kind(value)}")
    text = str(value).strip()
    stated = _DATE_TIME.fullmatch(text)
    try:
        text = check_date(stated.group(1) if stated else text)
        parts = [int(p) for p in text.split("-")]
        date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    except ValueError as exc:
        raise InputError(path, f"{where}: date {str(value).strip()[:40]!r} is not a real YYYY-MM-DD or YYYY-MM date") from exc
    return text


def _checked_number(value: object, path: Path, where: str) -> int:
    if not isinstance(value, (str, int, float)):
        raise InputError(path, f"{where}: number must be a whole number, not {_kind(value)}")
    try:
        if isinstance(value, bool) or int(value) != float(value) or not 0 <= int(value) < 10**9:
            raise ValueError
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(path, f"{where}: number {str(value)[:40]!r} is not a whole number") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
