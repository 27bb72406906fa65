"""The indexer's exceptions. The CLI turns them into one-line messages."""

from __future__ import annotations


class IndexerError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class InputError(IndexerError):
    """An archive file that cannot be read as an issue (unreadable, empty, binary, unparseable)."""

    def __init__(self, path, reason: str):
        self.path = printable_path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ConfigError(IndexerError):
    """A setting (an AIBREW_* variable or an option) with a value that cannot be used."""


class StrictSkip(IndexerError):
    """`rebuild --strict` found files it had to skip; nothing was published."""

    def __init__(self, message: str, skipped: list):
        self.skipped = skipped
        super().__init__(message)


class IndexMissing(IndexerError):
    """No index has been built in the folder yet."""


class IndexMismatch(IndexerError):
    """The index on disk is damaged, or was built with another model than the one asked for."""


class IndexLocked(IndexerError):
    """Another rebuild holds the index lock."""


class LLMError(IndexerError):
    """The configured chat endpoint failed (down, too slow, or a bad answer).

    `code` says which way, for a reader-facing notice in the reader's language: "config" (no usable
    endpoint URL), "down", "timeout", "http", "stream" (malformed, cut short or not a stream), "empty"."""

    def __init__(self, message: str, *, code: str = "stream", endpoint: str = ""):
        super().__init__(message)
        self.code = code
        self.endpoint = endpoint


class SyncError(IndexerError):
    """A sync source failed (DNS, refused, timeout, HTTP status, malformed feed): names the source and the reason."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


def printable_path(path) -> str:
    """`path` as text that can always be printed or stored: bytes of a file name that are not
    UTF-8 (kept by Python as surrogates) are shown as U+FFFD."""
    text = str(path)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
