"""Issue metadata given by hand: YAML front matter, or a sidecar file beside the issue.

Keys: title, date ('YYYY-MM-DD' or 'YYYY-MM'), url, number (the issue number), language.
`indexer sync` also writes source_id, subtitle and tags: accepted, and not used by the index.
Front matter overrides what the reader found, and a sidecar (`<stem>.meta.yaml`,
`.meta.yml` or `.meta.json`) overrides both. An unknown key, a malformed file or an
impossible date is an InputError that names the problem; a missing key stays None.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import yaml

from indexer.errors import InputError
from indexer.records import check_date

KEYS = ("title", "date", "url", "number", "language")
RECORDED_KEYS = ("source_id", "subtitle", "tags")  # written by `indexer sync`; read past
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
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    """(metadata, body) of a text starting with a `---` YAML block; ({}, text) without one."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    block = match.group(1) or ""
    if len(block) > MAX_META_CHARS:
        raise InputError(path, f"front matter is {len(block):,} characters long (at most {MAX_META_CHARS:,}); keep only {', '.join(KEYS)}")
    try:
        data = yaml.load(block, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise InputError(path, f"front matter is not valid YAML ({_first_line(exc)})") from exc
    return _checked(data, path, "front matter"), text[match.end() :]


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
    where = f"metadata file {side.name}"
    try:
        raw = side.read_text(encoding="utf-8-sig")
        if len(raw) > MAX_META_CHARS:
            raise ValueError(f"{len(raw):,} characters long, at most {MAX_META_CHARS:,}")
        data = json.loads(raw) if side.suffix == ".json" else yaml.load(raw, Loader=_Loader)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise InputError(path, f"{where} cannot be read ({_first_line(exc)})") from exc
    return _checked(data or {}, path, where)


def _checked(data: object, path: Path, where: str) -> dict:
    if not isinstance(data, dict):
        raise InputError(path, f"{where} must be a mapping of {', '.join(KEYS)}")
    unknown = sorted(repr(k)[:40] if not isinstance(k, str) else k[:40] for k in data if k not in KEYS + RECORDED_KEYS)
    if unknown:
        raise InputError(path, f"{where}: unknown key {', '.join(unknown)} (expected {', '.join(KEYS)})")
    out: dict = {}
    for key, value in data.items():
        if value is None or value == "" or key in RECORDED_KEYS:
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


def _checked_date(value: object, path: Path, where: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InputError(path, f"{where}: date must be text such as 2024-04-17, not {_kind(value)}")
    text = str(value).strip()
    try:
        text = check_date(text)
        parts = [int(p) for p in text.split("-")]
        date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    except ValueError as exc:
        raise InputError(path, f"{where}: date {text[:40]!r} is not a real YYYY-MM-DD or YYYY-MM date") from exc
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
