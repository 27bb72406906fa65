"""The reader's page, driven with Streamlit's AppTest over the session's real index; and its small modules."""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from search_app import filters as flt
from search_app import highlight as hl
from search_app import timeline as tl
from search_app.i18n import STRINGS, t

APP = str(Path(__file__).resolve().parents[1] / "search_app" / "app.py")
OPENAI_YOUTUBE = "what did we write about OpenAI and YouTube?"
AI_BREW = "La course aux données d’entraînement pour l’IA"  # curly apostrophes, as the issue writes them
BROAD = "Qu'a annoncé OpenAI ?"  # answered from several issues
ABSENT = "Qui a gagné la coupe du monde de rugby ?"


@pytest.fixture
def page(monkeypatch, built_index):
    """The page over the session's index, run once (the first run loads the model: seconds)."""
    monkeypatch.setenv("AIBREW_INDEX", str(built_index))
    monkeypatch.delenv("AIBREW_LLM_BASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    return app


def ask(app: AppTest, question: str) -> AppTest:
    app.chat_input[0].set_value(question).run()
    assert not app.exception, app.exception
    return app


def unmark(markdown: str) -> str:
    """What the reader sees of Markdown escaped by the page (bold citations aside)."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


def unhtml(body: str) -> str:
    """What the reader sees of the page's HTML."""
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def sources(app: AppTest) -> list[str]:
    """The titles of the listed sources, in rank order (of every answer on the page)."""
    return [unhtml(m) for h in app.html for m in re.findall(r'<div class="aib-meta"><b>\[\d+\] (.*?)</b>', h.value)]


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def shown(app: AppTest) -> str:
    parts = [*app.markdown, *app.caption, *app.info, *app.warning, *app.error]
    return "\n".join(unmark(p.value) for p in parts)


# --- asking ----------------------------------------------------------------------------------------------


def test_openai_youtube_question_is_answered_from_the_ai_brew_issue(page, engine):
    assert AI_BREW in {i.title for i in engine.index.issues.values()}
    ask(page, OPENAI_YOUTUBE)
    answer = unmark(page.chat_message[1].markdown[0].value)
    assert re.search(r"\[\d\]", answer) and "YouTube" in answer
    assert sources(page)[0] == AI_BREW
    first = next(h.value for h in page.html if "aib-meta" in h.value)
    assert "2024-04" in first and '<mark class="aib-used">' in first  # dated, with the sentences used highlighted


def test_earlier_questions_stay_in_the_session(page):
    ask(page, OPENAI_YOUTUBE)
    ask(page, "Qu'a annoncé Mistral AI ?")
    questions = [unmark(m.markdown[0].value) for m in page.chat_message if m.name == "user"]
    assert questions == [OPENAI_YOUTUBE, "Qu'a annoncé Mistral AI ?"]
    assert len(page.get("vega_lite_chart")) == 1  # the timeline follows the latest question only


def test_filters_change_the_sources(page, engine):
    ask(page, BROAD)
    listed = sources(page)
    assert AI_BREW in listed and len(set(listed)) > 2
    other = next(i for i in engine.index.issues.values() if i.title == listed[1] != AI_BREW)
    widget(page.multiselect, "Numéros").set_value([other.id]).run()
    assert set(sources(page)) == {other.title}
    widget(page.multiselect, "Numéros").set_value([]).run()
    last_day = flt.date_bounds(engine.index.issues.values())[1]
    widget(page.date_input, "Période").set_value((date(2025, 1, 1), last_day)).run()
    narrowed = sources(page)
    assert narrowed and AI_BREW not in narrowed
    assert "2025-01-01" in shown(page)  # the caption says which filters applied


def test_a_period_picked_on_the_timeline_filters_the_answer(page):
    ask(page, OPENAI_YOUTUBE)
    assert page.get("vega_lite_chart") and AI_BREW in sources(page)
    page.session_state["period"] = ("2025-10-01", "2025-12-31")  # what pick_period stores from the chart's event
    page.run()
    assert AI_BREW not in sources(page)
    assert "2025-10-01 → 2025-12-31" in "\n".join(unmark(i.value) for i in page.sidebar.info)
    widget(page.sidebar.button, "Effacer la période").click().run()
    assert page.session_state["period"] is None and AI_BREW in sources(page)


def test_nothing_found_says_so_and_suggests_removing_filters(page):
    ask(page, ABSENT)
    text = shown(page)
    assert "Rien trouvé dans l'archive" in text and "retirez des filtres" in text
    assert not sources(page) and not page.get("vega_lite_chart")


def test_a_filter_that_excludes_everything_finds_nothing(page, engine):
    days = sorted({flt.day_of(i.date, last=True) for i in engine.index.issues.values() if i.date})
    gap = next((a, b) for a, b in zip(days, days[1:]) if (b - a).days > 2)  # a stretch with no issue
    ask(page, OPENAI_YOUTUBE)
    widget(page.date_input, "Période").set_value((gap[0] + timedelta(days=1), gap[1] - timedelta(days=1))).run()
    assert "retirez des filtres" in shown(page) and not sources(page)


def test_an_llm_answer_is_shown_as_written_and_the_switch_turns_it_off(monkeypatch, built_index):
    from tests.llm_server import delta, send_events, stub_server

    def reply(handler, server):
        send_events(handler, delta("OpenAI a transcrit des vidéos YouTube <b>sans</b> "), delta("accord [1]."), delta("", "stop"), "[DONE]")

    with stub_server(reply) as llm:
        monkeypatch.setenv("AIBREW_INDEX", str(built_index))
        monkeypatch.setenv("AIBREW_LLM_BASE_URL", llm.base_url)
        app = ask(AppTest.from_file(APP, default_timeout=300).run(), OPENAI_YOUTUBE)
        assert unmark(app.chat_message[1].markdown[0].value) == "OpenAI a transcrit des vidéos YouTube <b>sans</b> accord [1]."
        assert t("via_llm", "fr") in unmark(app.chat_message[1].caption[0].value) and len(llm.requests) == 1
        widget(app.sidebar.toggle, "Réponse rédigée par le LLM").set_value(False).run()  # the latest answer follows
        assert t("extractive", "fr") in unmark(app.chat_message[1].caption[0].value) and len(llm.requests) == 1


def test_llm_endpoint_down_shows_the_extractive_answer_with_a_notice(monkeypatch, built_index):
    from tests.llm_server import free_port

    monkeypatch.setenv("AIBREW_INDEX", str(built_index))
    monkeypatch.setenv("AIBREW_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
    monkeypatch.setenv("AIBREW_LLM_TIMEOUT", "3")
    app = AppTest.from_file(APP, default_timeout=300).run()
    assert widget(app.sidebar.toggle, "Réponse rédigée par le LLM").value is True
    ask(app, OPENAI_YOUTUBE)
    assert "Le LLM n'a pas pu répondre" in unmark(app.warning[0].value)
    assert AI_BREW in sources(app) and re.search(r"\[\d\]", unmark(app.chat_message[1].markdown[0].value))


# --- states, views, language ------------------------------------------------------------------------------


def test_no_index_yet_shows_the_command_that_builds_it(monkeypatch, tmp_path):
    monkeypatch.setenv("AIBREW_INDEX", str(tmp_path / "empty"))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert "python -m indexer rebuild" in app.code[0].value
    assert "Pas encore d'index" in unmark(app.info[0].value)
    assert not app.chat_input


def test_the_language_switch_changes_the_interface(page):
    assert page.title[0].value == t("title", "fr") and page.chat_input[0].placeholder == t("ask", "fr")
    page.sidebar.toggle[0].set_value(True).run()
    assert page.title[0].value == t("title", "en") and page.chat_input[0].placeholder == t("ask", "en")
    assert widget(page.multiselect, "Languages") and widget(page.sidebar.radio, "View")
    ask(page, ABSENT)
    assert "Nothing found in the archive" in shown(page)


def test_the_issues_view_lists_every_issue_newest_first_and_opens_one(page, engine):
    page.sidebar.radio[0].set_value("issues").run()
    titles = [unmark(b.label) for b in page.button if b.key and b.key.startswith("issue-")]
    expected = flt.newest_first(engine.index.issues.values())
    assert titles == [i.title for i in expected] and AI_BREW in titles
    next(b for b in page.button if unmark(b.label) == AI_BREW).click().run()
    assert unmark(page.subheader[0].value) == AI_BREW
    body = next(h.value for h in page.html if "aib-issue" in h.value)
    issue = next(i for i in engine.index.issues.values() if i.title == AI_BREW)
    assert unhtml(body) == issue.text
    widget(page.button, "← Retour à la liste").click().run()
    assert len([b for b in page.button if b.key and b.key.startswith("issue-")]) == len(expected)


def test_a_source_opens_its_issue_at_the_passage(page):
    ask(page, OPENAI_YOUTUBE)
    page.button(key="open-0-1").click().run()
    assert page.session_state["view"] == "issues" and unmark(page.subheader[0].value) == AI_BREW
    body = next(h.value for h in page.html if "aib-issue" in h.value)
    anchor = re.search(r'<span id="(aib-focus-\d+-\d+)"></span>', body).group(1)
    assert '<span class="aib-passage">' in body and '<mark class="aib-used">' in body
    assert any(anchor in h.value and "<script>" in h.value for h in page.html)  # scrolled into view
    widget(page.button, "← Retour à la réponse").click().run()
    assert page.session_state["view"] == "ask" and AI_BREW in sources(page)


# --- the modules ---------------------------------------------------------------------------------------------


PAYLOAD = "<script>alert(1)</script> <img src=x onerror=alert(2)> **gras** [lien](javascript:x) :red[rouge] $x$"


def test_archive_text_is_escaped_in_html_and_markdown():
    out = hl.marked_html(PAYLOAD, [(0, 26)], passage=(0, len(PAYLOAD)), anchor="aib-focus-0-1")
    assert "<script>" not in out and "<img" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert unhtml(out) == PAYLOAD
    md = hl.escape_markdown(PAYLOAD)
    assert not re.search(r"(?<!\\)[<>*\[\]$:()]", md) and unmark(md) == PAYLOAD
    assert hl.safe_url("javascript:alert(1)") is None and hl.safe_url("https://example.com/a") == "https://example.com/a"
    with pytest.raises(ValueError):
        hl.scroll_script("x'); alert(1); ('")


def test_marked_html_highlights_sentences_by_issue_offsets():
    text = "Une phrase. Deux phrases. Trois."
    out = hl.marked_html(text[12:], [(12, 25)], offset=12)
    assert out == '<mark class="aib-used">Deux phrases.</mark> Trois.'
    assert hl.answer_markdown("Vrai [1]. Aussi [2].") == r"Vrai **\[1\]**\. Aussi **\[2\]**\."


def test_filters_from_the_sidebar():
    bounds = (date(2024, 4, 1), date(2025, 12, 31))
    assert flt.build_filters(bounds, bounds) == flt.Filters()  # the whole range keeps undated issues in
    narrowed = flt.build_filters((date(2025, 1, 1), bounds[1]), bounds, ["fr"], ["a"], period=("2024-06-01", "2025-06-30"))
    assert narrowed == flt.Filters("2025-01-01", "2025-06-30", ("fr",), ("a",))
    assert flt.day_of("2024-02", last=True) == date(2024, 2, 29)


def ms(day: str) -> int:
    """Epoch milliseconds of a UTC day, as Vega-Lite sends a brushed end back."""
    return (date.fromisoformat(day) - date(1970, 1, 1)).days * 86_400_000


def test_the_timeline_period_comes_back_from_the_chart_selection():
    state = {"selection": {tl.SELECTION: {"day": [ms("2025-12-01") + 3_600_000, ms("2025-11-02")]}}}
    assert tl.period_from_selection(state) == ("2025-11-02", "2025-12-01")
    assert tl.period_from_selection({"selection": {tl.SELECTION: {}}}) is None
    assert tl.period_from_selection({"selection": {tl.SELECTION: {"day": ["2025-11-02T00:00:00.000Z", "2025-11-09"]}}}) == ("2025-11-02", "2025-11-09")


def test_the_timeline_groups_passages_by_issue_and_keeps_undated_ones_apart():
    from indexer.records import Hit

    def hit(issue: str, day: str | None) -> Hit:
        return Hit(0, 1.0, issue, f"{issue}.md", f"Titre {issue}", day, None, "", "fr", "texte", 0, 5)

    data = tl.timeline([hit("b", "2025-11-02"), hit("a", "2024-04"), hit("b", "2025-11-02"), hit("c", None)])
    assert data.dated.to_dict("records") == [
        {"day": "2024-04-01", "date": "2024-04", "title": "Titre a", "passages": 1},
        {"day": "2025-11-02", "date": "2025-11-02", "title": "Titre b", "passages": 2},
    ]
    assert data.undated == [("Titre c", 1)]
    assert tl.chart(data.dated, x_title="x", y_title="y", issue_title="i").to_dict()["params"][0]["name"] == tl.SELECTION


def test_every_string_exists_in_both_languages():
    assert STRINGS["fr"].keys() == STRINGS["en"].keys()
