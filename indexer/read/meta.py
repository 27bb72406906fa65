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
    """SafeLoader that leaves dates as text, so that `_checked_date` reports a bad one."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    """(metadata, body) of a text starting with a `---` YAML block; ({}, text) without one."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.load(match.group(1) or "", Loader=_Loader) or {}
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
        data = json.loads(raw) if side.suffix == ".json" else yaml.load(raw, Loader=_Loader)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise InputError(path, f"{where} cannot be read ({_first_line(exc)})") from exc
    return _checked(data or {}, path, where)


def _checked(data: object, path: Path, where: str) -> dict:
    if not isinstance(data, dict):
        raise InputError(path, f"{where} must be a mapping of {', '.join(KEYS)}")
    unknown = sorted(str(k) for k in data if k not in KEYS + RECORDED_KEYS)
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
        else:
            out[key] = str(value).strip()
    return out


def _checked_date(value: object, path: Path, where: str) -> str:
    text = str(value).strip()
    try:
        text = check_date(text)
        parts = [int(p) for p in text.split("-")]
        date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    except ValueError as exc:
        raise InputError(path, f"{where}: date {text!r} is not a real YYYY-MM-DD or YYYY-MM date") from exc
    return text


def _checked_number(value: object, path: Path, where: str) -> int:
    try:
        if isinstance(value, bool) or int(value) != float(value):
            raise ValueError
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InputError(path, f"{where}: number {value!r} is not a whole number") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
