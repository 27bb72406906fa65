"""Bytes to text: the encodings newsletter archives come in, and refusing what is not text.

Rule: a UTF-16 byte-order mark means UTF-16; otherwise strict UTF-8 (a UTF-8 BOM is
stripped), then cp1252, then latin-1 (which accepts any byte). A NUL byte, or more than
5% control characters once decoded, means the file is binary. Newlines become "\\n" and
the text is put in Unicode NFC form.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from indexer.errors import InputError

BINARY = "binary file, not text"
EMPTY = "empty file"
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # category Cc, less \t \n \v \f \r
_MAX_CONTROL_SHARE = 0.05
_LATIN1_NAMES = frozenset({"latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "us-ascii", "ascii"})


def read_bytes(path: Path, *, limit: int | None = None) -> bytes:
    """The file's bytes; an unreadable file, or one over `limit` bytes, is an InputError."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1) if limit is not None else handle.read()
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror or exc})") from exc
    if limit is not None and len(data) > limit:
        raise InputError(path, f"file too large (over {limit // 2**20} MB); an issue is expected to be far smaller")
    return data


def decode_bytes(data: bytes, path: Path | str, *, charset: str | None = None) -> str:
    """Decode `data` (trying `charset` first when given) by the module's rule, or raise InputError."""
    if not data.strip():
        raise InputError(path, EMPTY)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        if b"\x00" in data:
            raise InputError(path, BINARY)
        text = _first_decoding(data, charset)
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise InputError(path, BINARY)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise InputError(path, EMPTY)
    return text


def read_text(path: Path) -> str:
    """Read and decode one file."""
    return decode_bytes(read_bytes(path), path)


def _first_decoding(data: bytes, charset: str | None) -> str:
    encodings = ["utf-8-sig", "cp1252"]
    if charset and charset.lower().replace("_", "-") not in _LATIN1_NAMES:
        encodings.insert(0, charset)  # latin-1 labels are read as cp1252, their usual real content
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return text.removeprefix("\ufeff")
    return data.decode("latin-1")


def _control_share(text: str) -> float:
    sample = text[:20000]
    return len(_CONTROLS.findall(sample)) / max(len(sample), 1)
