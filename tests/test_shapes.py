"""Answers shaped like the question (issue 22): a fact in the evidence passage's own words, first;
a subject as a digest, one cited line per item, newest first; amounts and units compared as numbers;
common nouns and units never required as names; only sources that hold what was asked are cited."""

from __future__ import annotations

import json

import pytest

from indexer.answer.evidence import parts_held
from indexer.measure.golden import load_questions
from indexer.text.prose import is_teaser
from indexer.text.quantity import holds, quantities
from indexer.text.query import mentions, names, read_query
from indexer.text.shape import shape_of
from tests.test_found import GOLDEN
from tests.test_indexer import cli


# --- pure rules --------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, passage", [
    ("Gemma 27B", "un modèle de 27 milliards de paramètres"),
    ("a 27-billion parameter model", "27 milliards de paramètres"),
    ("Did Nvidia pay $20bn?", "pour 20 milliards de dollars"),
    ("a 1.2 GW campus", "une capacité de 1,2 gigawatt"),
    ("a 1.2 GW campus", "1 200 MW de capacité"),
    ("30% of jobs", "30 % des emplois"),
    ("€2.5B", "2,5 milliards d'euros"),
])
def test_an_amount_is_the_same_however_written(question, passage):
    (amount,) = quantities(question)
    assert holds(passage, amount)


@pytest.mark.parametrize("question, passage", [
    ("a 1.2 GW campus", "1,2 milliard de dollars"),  # a power is not a sum of money
    ("Did Nvidia pay $30B?", "pour 20 milliards de dollars"),
    ("27B", "2,7 milliards"),
])
def test_a_different_amount_or_unit_is_not_the_same(question, passage):
    (amount,) = quantities(question)
    assert not holds(passage, amount)


def test_bare_numbers_versions_and_ranges_are_not_amounts():
    assert quantities("GPT 5 and Claude 4.5") == []
    assert quantities("from 10 to 20 people, 5 m tall, 1,000 GPUs") == []


def test_units_common_acronyms_and_amounts_are_never_names():
    assert names("Which company is building a 1.2 GW data center?") == []
    assert names("What is the best LLM for coding on a GPU?") == []
    assert names("Did Nvidia invest $5B in Intel?") == ["nvidia", "intel"]
    assert names("Quel modèle Gemma 27B ?") == ["gemma"]


def test_an_acronym_names_its_expansion_in_capitals_only():
    mcp = read_query("Google MCP servers").names[1]
    assert mentions("Google lance des serveurs Model Context Protocol gérés", mcp)
    assert not mentions("un moteur complet pour les développeurs", mcp)  # initials by chance, not capitalised


@pytest.mark.parametrize("question, shape", [
    ("What did the newsletter say about OpenAI and YouTube?", "subject"),
    ("Qu'a-t-on écrit sur Mistral AI ?", "subject"),
    ("Parle-moi de Nvidia", "subject"),
    ("Nvidia et Groq", "subject"),
    ("robots humanoïdes", "subject"),
    ("Which companies signed deals with OpenAI?", "list"),
    ("Quels modèles Mistral a-t-il lancés ?", "list"),
    ("GPT-5 vs Gemini 3", "list"),
    ("Who bought Groq?", "fact"),
    ("Combien Nvidia a-t-il payé pour Groq ?", "fact"),
    ("Nvidia buys Groq", "fact"),  # a relation: a fact, even without a question word
    ("DeepSeek OCR compression ratio", "fact"),  # words beside the name: a fact
])
def test_the_query_says_its_shape(question, shape):
    assert read_query(question).shape == shape


def test_shape_of_is_a_pure_function_of_the_words():
    assert shape_of("Anthropic", names=("anthropic",), content=("anthropic",)) == "subject"
    assert shape_of("Anthropic revenue", names=("anthropic",), content=("anthropic", "revenue")) == "fact"


@pytest.mark.parametrize("line, teaser", [
    ("Et si l'IA pouvait tout changer ?", True),
    ("La suite ici →", True),
    ("À vos claviers !", True),
    ("Des chiffres qui donnent le vertige...", True),
    ("Nvidia achète Groq pour 20 milliards de dollars.", False),
    ("Le PDG l'a qualifié de « tournant » pour l'entreprise.", False),
])
def test_teasers_are_known_by_their_form(line, teaser):
    assert is_teaser(line) is teaser


def test_the_sentence_that_answers_who_names_someone_else():
    query = read_query("Who left Meta for world models?")
    assert parts_held(query, "Yann LeCun a quitté l'entreprise le mois dernier.") > \
        parts_held(query, "Meta développe un modèle fermé pour le printemps prochain.")


def test_the_subject_golden_set_lists_each_issue_once_with_verbatim_evidence():
    questions = load_questions(GOLDEN / "subjects.jsonl")
    assert len(questions) >= 50 and {q.language for q in questions} == {"en", "fr"}
    for q in questions:
        sources = [e.source for e in q.evidence]
        assert q.shape == "subject" and len(sources) == len(set(sources)) >= 2


# --- through the real engine -------------------------------------------------------------------------

@pytest.mark.e2e
def test_a_fact_answer_is_its_headline_then_the_fact_from_one_source(engine):
    answer = engine.ask("Qui a racheté Groq ?")
    assert answer.outcome == "answered" and answer.shape == "fact"
    headline, first = answer.sentences[0], answer.sentences[1]
    assert headline.kind == "headline" and first.kind == "sentence"
    assert "Nvidia" in first.text and "Groq" in first.text  # the fact first
    assert answer.text.split("\n")[0].startswith(headline.text.rstrip(" .:"))  # a title line of its own
    assert answer.cited == [1]  # nothing padded: the items that merely name Groq are not cited


@pytest.mark.e2e
def test_who_is_answered_with_the_person(engine):
    answer = engine.ask("Who left Meta for world models?")
    assert answer.outcome == "answered" and "LeCun" in answer.text


@pytest.mark.e2e
@pytest.mark.parametrize("question", ["Did Nvidia buy Groq for $20B?", "Which startup plans a 5 GW orbital data center?",
                                      "Quelle entreprise prévoit un datacenter orbital de 5 GW ?"])
def test_amounts_and_units_written_otherwise_are_answered(engine, question):
    answer = engine.ask(question)
    assert answer.outcome == "answered", answer.text
    assert answer.cited == [1]


@pytest.mark.e2e
def test_a_different_amount_is_related_and_the_line_says_which(engine):
    answer = engine.ask("Did Nvidia buy Groq for $30B?")
    assert answer.outcome == "related"
    assert answer.premise == "The archive does not report exactly this: no passage (Nvidia and Groq) gives $30B."


@pytest.mark.e2e
def test_a_subject_gets_a_digest_one_cited_line_per_item_newest_first(engine):
    answer = engine.ask("What did we write about Anthropic?")
    assert answer.outcome == "answered" and answer.shape == "subject"
    lines = [line for line in answer.text.split("\n") if line.endswith("]")]
    assert len(lines) == len(answer.cited) >= 5
    dates = [answer.hits[n - 1].date for n in answer.cited]
    assert dates == sorted(dates, reverse=True)
    assert len({answer.hits[n - 1].issue_id for n in answer.cited}) >= 5  # as many issues as it can
    assert all("anthropic" in (answer.hits[n - 1].section + answer.hits[n - 1].text).lower() for n in answer.cited)
    assert answer.more > 0 and answer.text.endswith("more passages speak of it (see the timeline).")


@pytest.mark.e2e
def test_ask_json_gives_each_sentence_its_kind(built_index):
    out = cli("ask", "--index", str(built_index), "--json", "Qui a racheté Groq ?")
    answer = json.loads(out.stdout)
    assert out.returncode == 0 and answer["shape"] == "fact"
    assert [s["kind"] for s in answer["sentences"]][:2] == ["headline", "sentence"]
    assert [s["cited"] for s in answer["sources"]].count(True) == 1


def test_the_llm_is_asked_for_the_same_shape():
    from indexer.answer.llm import SHAPES, build_messages

    for shape in ("fact", "subject", "list"):
        user = build_messages("What did we write about Anthropic?", [], "en", shape=shape)[1]["content"]
        assert SHAPES[shape] in user and all(SHAPES[other] not in user for other in SHAPES if other != shape)
