"""Language of a text, deterministically."""

from __future__ import annotations

DEFAULT_LANGUAGE = "fr"
_SAMPLE_CHARS = 5000


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text` ("fr", "en", ...) by langdetect with a fixed seed.

    Only the first 5,000 characters are looked at; "fr" when nothing can be detected
    (empty text, digits only, ...). Regional variants are cut to the language ("zh-cn" -> "zh")."""
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    try:
        code = detect(text[:_SAMPLE_CHARS])
    except LangDetectException:
        return DEFAULT_LANGUAGE
    return code.split("-")[0].lower() or DEFAULT_LANGUAGE
