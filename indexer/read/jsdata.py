"""Data literals inside JavaScript: `const newsData = {critical: [{title: "..."}, ...]}`.

A small parser for the JSON-like subset pages use to carry their content: objects with
bare or quoted keys, arrays, single/double/back-quoted strings, numbers, true/false/null/
undefined, trailing commas and comments. Anything else (a function call, an expression)
raises ValueError.
"""

from __future__ import annotations

import json
import re

_ASSIGN = re.compile(r"(?:\bconst|\blet|\bvar|\bwindow\.)\s*([A-Za-z_$][\w$]*)\s*=\s*(?=[\[{])")
_SPACE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.S)
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_KEY = re.compile(r"[A-Za-z_$][\w$]*")
_WORDS = {"true": True, "false": False, "null": None, "undefined": None}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def assigned_literals(script: str) -> list[tuple[str, object, int]]:
    """(name, value, end offset) of each `const|let|var name = {...}|[...]` that parses."""
    found = []
    for match in _ASSIGN.finditer(script):
        try:
            value, end = parse_literal(script, match.end())
        except ValueError:
            continue
        found.append((match.group(1), value, end))
    return found


def parse_literal(text: str, pos: int = 0) -> tuple[object, int]:
    """The literal starting at `pos` (after spaces) and the offset just past it."""
    pos = _skip(text, pos)
    if pos >= len(text):
        raise ValueError("unexpected end of script")
    char = text[pos]
    if char == "{":
        return _object(text, pos + 1)
    if char == "[":
        return _array(text, pos + 1)
    if char in "\"'`":
        return _string(text, pos)
    number = _NUMBER.match(text, pos)
    if number:
        return json.loads(number.group()), number.end()
    word = _KEY.match(text, pos)
    if word and word.group() in _WORDS:
        return _WORDS[word.group()], word.end()
    raise ValueError(f"not a data literal at offset {pos}")


def _object(text: str, pos: int) -> tuple[dict, int]:
    out: dict = {}
    while True:
        pos = _skip(text, pos)
        if text.startswith("}", pos):
            return out, pos + 1
        if pos < len(text) and text[pos] in "\"'":
            key, pos = _string(text, pos)
        else:
            match = _KEY.match(text, pos)
            if not match:
                raise ValueError(f"bad object key at offset {pos}")
            key, pos = match.group(), match.end()
        pos = _skip(text, pos)
        if not text.startswith(":", pos):
            raise ValueError(f"expected ':' at offset {pos}")
        out[key], pos = parse_literal(text, pos + 1)
        pos = _after_item(text, pos, "}")


def _array(text: str, pos: int) -> tuple[list, int]:
    out: list = []
    while True:
        pos = _skip(text, pos)
        if text.startswith("]", pos):
            return out, pos + 1
        value, pos = parse_literal(text, pos)
        out.append(value)
        pos = _after_item(text, pos, "]")


def _after_item(text: str, pos: int, closer: str) -> int:
    pos = _skip(text, pos)
    if text.startswith(",", pos):
        return pos + 1
    if text.startswith(closer, pos):
        return pos
    raise ValueError(f"expected ',' or '{closer}' at offset {pos}")


def _string(text: str, pos: int) -> tuple[str, int]:
    quote, pos, parts = text[pos], pos + 1, []
    while pos < len(text):
        char = text[pos]
        if char == quote:
            return "".join(parts), pos + 1
        if char == "\\" and pos + 1 < len(text):
            nxt = text[pos + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[pos + 2 : pos + 6]):
                parts.append(chr(int(text[pos + 2 : pos + 6], 16)))
                pos += 6
                continue
            parts.append(_ESCAPES.get(nxt, "" if nxt == "\n" else nxt))
            pos += 2
            continue
        if char == "\n" and quote != "`":
            break
        parts.append(char)
        pos += 1
    raise ValueError("unterminated string")


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos
