"""The page's small modules without a page: shareable URLs, the landing's facts, outbound links, sites, more like this."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.read import read_issue
from indexer.read.links import domain_of, markdown_links
from indexer.records import Chunk, IssueInfo, Link
from indexer.search.retrieve import Filters
from search_app import landing, share
from search_app import timeline as tl
from tests.conftest import AI_WEEKLY


# --- shareable URLs --------------------------------------------------------------------------------


def test_a_state_goes_into_a_url_and_comes_back():
    filters = Filters("2025-10-01", "2025-12", (), ("AI_Weekly_Dec1-6_2025",), ("openai.com",))
    params = share.params_for(lang="en", question="what did we write about OpenAI & YouTube?", filters=filters)
    url = share.link("http://127.0.0.1:8501/?old=1#x", params)
    assert url.startswith("http://127.0.0.1:8501/?q=what+did+we+write+about+OpenAI+%26+YouTube%3F&")
    from urllib.parse import parse_qs, urlsplit

    back, notes = share.read(parse_qs(urlsplit(url).query))
    assert notes == []
    assert back == share.Shared("what did we write about OpenAI & YouTube?", None, None, "en", "2025-10-01", "2025-12",
                                ("AI_Weekly_Dec1-6_2025",), ("openai.com",))
    assert share.filters_of(back) == filters
    assert share.params_for(issue="a/b", at=120) == {"issue": "a/b", "at": "120"}
    assert share.params_for() == {}  # French and no filter: a bare URL


def test_every_view_has_a_url():
    assert share.params_for(view="issues") == {"view": "issues"}
    assert share.params_for(view="sites") == {"view": "sites"}
    assert share.params_for(view="sites", of="openai.com") == {"view": "sites", "of": "openai.com"}
    assert share.params_for(view="issues", of="openai.com") == {"view": "issues"}  # a site belongs to the Sites view
    assert share.params_for(like="a", at=12, order="date") == {"like": "a", "at": "12", "order": "date"}
    assert share.params_for(like="a", at=12, order="similarity") == {"like": "a", "at": "12"}  # the default: closest first
    assert share.params_for(view="ask") == {}
    for params in ({"view": "sites", "of": "openai.com"}, {"like": "a", "at": "12", "order": "date"}, {"view": "issues"}):
        shared, notes = share.read({k: [v] for k, v in params.items()})
        assert notes == [] and share.params_for(view=shared.view, of=shared.of, like=shared.like, at=shared.at,
                                                order=shared.order) == params


BAD_DATES = ["2025-02-30", "2025-13", "2025-00", "2025-12-45", "0000-01-01", "hier", "2025-13-99x"]


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_date_that_does_not_exist_is_left_out_with_a_note(value):
    shared, notes = share.read({"from": [value], "to": [value], "q": ["Mistral"]})
    assert shared.date_from is None and shared.date_to is None and shared.question == "Mistral"
    assert notes == [share.Note("from", value, "bad_date"), share.Note("to", value, "bad_date")]


def test_what_a_url_asks_for_is_checked():
    shared, notes = share.read({"q": ["  deux   espaces  "], "at": ["-5"], "lang": ["de"], "view": ["x"], "order": ["z"],
                                "site": ["OpenAI.com"], "issue": "x" * 9999, "utm_source": ["mail"], "embed": ["true"]})
    assert shared.question == "deux espaces" and shared.at is None and shared.lang is None and shared.view is None
    assert shared.sites == ("openai.com",) and len(shared.issue) == share.MAX_VALUE
    assert {(n.name, n.reason) for n in notes} == {("at", "bad_at"), ("lang", "bad_lang"), ("view", "bad_view"),
                                                   ("order", "bad_order"), ("utm_source", "unknown_param")}
    assert share.read({"at": ["abc"]})[1] == [share.Note("at", "abc", "bad_at")]
    assert share.read({"q": ["x" * 600]})[1] == [share.Note("q", "x" * 40, "long_question")]


@pytest.mark.e2e
def test_a_link_is_checked_against_the_index(engine):
    from search_app.filters import date_bounds

    index, bounds = engine.index, date_bounds(engine.index.issues.values())
    issue = next(iter(index.issues))
    passage = next(p for p in index.passages if p.issue_id == issue and p.start > 0)

    def check(**params):
        return share.check(share.read({k: [v] for k, v in params.items()})[0], index, bounds)

    shared, notes = check(issue="does-not-exist", site="nonexistent.example", q="Mistral")
    assert (shared.issue, shared.sites, shared.question) == (None, (), "Mistral")
    assert notes == [share.Note("site", "nonexistent.example", "unknown_site"), share.Note("issue", "does-not-exist", "unknown_issue")]
    shared, notes = check(**{"in": "bogus", "from": "2025-12-01", "to": "2025-01"})
    assert shared.issues == () and shared.date_from is None and shared.date_to is None
    assert [n.reason for n in notes] == ["unknown_issue", "inverted"]
    assert [n.reason for n in check(**{"from": "2030-01"})[1]] == ["outside"]
    assert check(issue=issue, at=str(passage.start + 1))[0].at == passage.start + 1  # inside a passage: kept
    shared, notes = check(issue=issue, at="99999999")
    assert shared.issue == issue and shared.at is None and [n.reason for n in notes] == ["beyond_issue"]
    assert [n.reason for n in check(like=issue, at="99999999")[1]] == ["unknown_passage"]
    assert [n.reason for n in check(at="12")[1]] == ["at_alone"]
    assert [n.reason for n in check(view="sites", of="nonexistent.example")[1]] == ["unknown_site"]
    assert check(view="sites", of="openai.com") == (share.Shared(view="sites", of="openai.com"), [])


# --- the landing's facts ----------------------------------------------------------------------------


def info(issue_id: str, date: str | None) -> IssueInfo:
    return IssueInfo(issue_id, f"{issue_id}.md", f"Titre {issue_id}", date, None, None, "fr", "texte")


def test_the_archive_span_is_said_in_the_readers_language():
    issues = [info("a", "2024-04"), info("b", "2025-10-03"), info("c", None), info("d", "2026-01-02")]
    assert landing.span(issues, "fr") == (4, "avril 2024", "janvier 2026")
    assert landing.span(issues, "en") == (4, "April 2024", "January 2026")
    assert landing.elide("octobre 2025") == "d'octobre 2025" and landing.elide("mai 2025") == "de mai 2025"
    assert [i.id for i in landing.latest(issues, 2)] == ["d", "b"]
    assert landing.span([info("c", None)], "fr") == (1, None, None)


def test_example_names_are_the_names_most_issues_mention():
    def chunk(issue: str, text: str) -> Chunk:
        return Chunk(issue, "", 0, 0, len(text), text, text, "fr", issue)

    passages = [chunk("a", "Les annonces d'OpenAI et de Mistral AI. Cette semaine Google aussi."),
                chunk("b", "OpenAI encore, et Mistral AI lève des fonds. Les modèles de Google."),
                chunk("c", "OpenAI et Anthropic. Les puces."), chunk("d", "rien ici, les puces et cette semaine.")]
    assert landing.names(passages) == ["OpenAI", "Google", "Mistral AI"]  # "Les", "Cette": common words; ties by name
    asked = []
    questions = landing.example_questions(passages, "en", lambda q: asked.append(q) or "Google" not in q, n=5)
    assert questions == ["What did we write about OpenAI?", "What did we write about Mistral AI?"]
    assert len(asked) == 3


def test_the_sources_an_item_credits_are_not_subjects():
    def chunk(issue: str, text: str) -> Chunk:
        return Chunk(issue, "", 0, 0, len(text), text, text, "fr", issue)

    credits = "Alpha Signal, TLDR AI, Upmynt • 3 sources"
    passages = [chunk(i, f"Mistral AI publie un modèle. {credits}") for i in "abc"] + [chunk("d", "Sources : Upmynt")]
    assert landing.names(passages) == ["Mistral AI"]


# --- the timeline's count ----------------------------------------------------------------------------


def test_the_timeline_counts_the_passages_that_name_the_questions_names():
    def chunk(issue: str, section: str, text: str) -> Chunk:
        return Chunk(issue, section, 0, 0, len(text), text, text, "fr", issue)

    passages = [chunk("a", "Mistral lance Devstral", "Un modèle de code."), chunk("b", "", "Les modèles de MISTRAL AI et d'OpenAI."),
                chunk("c", "", "Le mistral souffle ; mistralien n'est pas un nom."), chunk("d", "", "GPT-5.1 et GPT-5 arrivent."),
                chunk("e", "", "Rien sur le sujet.")]
    corpus = tl.folded(passages)
    assert tl.naming(corpus, tl.subject("Qu'a-t-on écrit sur Mistral ?")) == [0, 1, 2]  # the section counts; case folded
    assert tl.naming(corpus, ["gpt-5"]) == [3] and tl.naming(corpus, ["openai", "devstral"]) == [0, 1]
    assert tl.naming(corpus, ["mistral"], keep=[False, True, False, True, True]) == [1]
    assert tl.naming(corpus, []) == []
    for names in (["mistral"], ["gpt-5"], ["openai", "devstral"], ["mistral ai"], ["absent"]):  # the fast path finds the same
        assert tl.naming(corpus, names, within=tl.candidates(corpus, names)) == tl.naming(corpus, names), names
    assert tl.candidates(corpus, ["mistral"]) == {0, 1, 2} and tl.candidates(corpus, ["gpt-5"]) == {3}
    assert tl.as_written("What about Mistral AI and OpenAI?", ["mistral ai", "openai"]) == ["Mistral AI", "OpenAI"]


# --- outbound links ----------------------------------------------------------------------------------


def test_links_are_kept_per_news_item_and_the_sources_list_is_not():
    issue = read_issue(AI_WEEKLY / "AI_Weekly_Dec13-19_2025.html", AI_WEEKLY)
    first = next(s for s in issue.sections if s.title.startswith("Google lance Gemini 3 Flash"))
    assert first.links == (Link("https://developers.googleblog.com/en/gemini-2-family-expands/", first.title, "developers.googleblog.com"),)
    assert all(s.links for s in issue.sections if s.parent)
    data = read_issue(AI_WEEKLY / "AI_Weekly_Nov23-29_2025_final.html", AI_WEEKLY)  # articles kept as data in a <script>
    claude = next(s for s in data.sections if "Claude Opus 4.5" in s.title)
    assert [link.url for link in claude.links] == ["https://www.anthropic.com/news/claude-opus-4-5"]
    assert claude.links[0].domain == "anthropic.com"


def test_markdown_links_and_domains(tmp_path: Path):
    text = "Voir [l'annonce](https://www.Mistral.ai/news/x) et https://example.org/a. ![img](https://img.example/p.png) [x](javascript:alert(1))"
    assert [(link.url, link.text, link.domain) for link in markdown_links(text)] == [
        ("https://www.Mistral.ai/news/x", "l'annonce", "mistral.ai"), ("https://example.org/a", "https://example.org/a", "example.org")]
    assert domain_of("file:///etc/passwd") is None and domain_of("http://localhost/") is None
    assert markdown_links("[a](https://x.org/\x1b]0;pwn\x07)") == ()
    (tmp_path / "n.md").write_text("# Titre\n\n## Mistral\n\nMistral AI publie [Mixtral](https://mistral.ai/news/mixtral).\n")
    [section] = read_issue(tmp_path / "n.md", tmp_path).sections
    assert section.links == (Link("https://mistral.ai/news/mixtral", "Mixtral", "mistral.ai"),)
    assert "https://" not in section.text  # links are metadata, not text


@pytest.mark.e2e
def test_links_are_stored_per_passage_and_searchable_by_site(engine, built_index):
    import json

    from search_app import domains
    from tests.test_indexer import cli

    index = engine.index
    linked = [p for p in index.passages if p.links]
    assert len(linked) > 100 and not any(link.domain == "tldr.tech" for p in linked for link in p.links)  # "Sources" lists stay out
    assert not any(link.url in p.embed_text for p in linked for link in p.links)
    table = domains.table(index)
    assert table["items"].is_monotonic_decreasing and {"openai.com", "anthropic.com"} <= set(table["site"])
    hits = engine.search("Claude, le modèle d'Anthropic", k=10, filters=Filters(domains=("anthropic.com",)))
    assert hits and all(any(link.domain == "anthropic.com" for link in h.links) for h in hits)
    out = cli("search", "--index", str(built_index), "--json", "--k", "3", "Anthropic lance Claude Opus 4.5")
    first = json.loads(out.stdout)["results"][0]
    assert {"url": "https://www.anthropic.com/news/claude-opus-4-5", "text": first["links"][0]["text"],
            "domain": "anthropic.com"} in first["links"]


@pytest.mark.e2e
def test_more_like_this_leaves_its_own_issue_and_orders_by_date_or_similarity(engine):
    from indexer.search.similar import more_like_this

    index = engine.index
    start = next(n for n, p in enumerate(index.passages) if "YouTube" in p.text and p.issue_id.startswith("000_"))
    by_date = more_like_this(index, start, k=6)
    by_score = more_like_this(index, start, k=6, order="similarity")
    assert by_date and {h.chunk_id for h in by_date} == {h.chunk_id for h in by_score}
    assert all(h.issue_id != index.passages[start].issue_id for h in by_date)
    assert len({h.issue_id for h in by_date}) == len(by_date)  # one passage per issue
    assert [h.date or "" for h in by_date] == sorted((h.date or "" for h in by_date), reverse=True)
    assert [h.score for h in by_score] == sorted((h.score for h in by_score), reverse=True)


def test_the_archive_is_named_after_most_of_its_issues_or_by_the_maintainer(built_index, monkeypatch):
    from search_app.naming import ENV, archive_name, heading, newsletter_name

    assert newsletter_name(["AI Weekly – 7-12 décembre 2025", "AI Weekly - 2-8 Novembre 2025", "La course aux données"]) == "AI Weekly"
    assert newsletter_name(["AI Weekly – 1", "AI Brew : 2", "Sans nom", "Autre"]) is None  # no name shared by half
    assert newsletter_name([]) is None
    monkeypatch.delenv(ENV, raising=False)
    assert archive_name(built_index) == "AI Weekly"  # 10 of its 11 issues
    assert archive_name(built_index.parent / "nowhere") is None
    monkeypatch.setenv(ENV, "  La  Lettre IA ")
    assert archive_name(built_index) == "La Lettre IA"
    assert heading("La Lettre IA", "en") == "La Lettre IA — the archive" and heading(None, "fr") == "L'archive de la newsletter"
