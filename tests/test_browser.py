"""The page in a real browser: `streamlit run` as a subprocess, driven with Playwright and Debian's Chromium.

One server per module, over a copy of the session's index; the second test rebuilds that copy with an
issue full of markup and checks that the running page picks it up and shows the markup as text.
Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import pytest

from search_app.i18n import t
from search_app.naming import heading
from tests.llm_server import free_port

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "search_app" / "app.py"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 120_000  # the machine is shared and slow: generous, but every wait is bounded
AI_BREW = "La course aux données d’entraînement pour l’IA"
TITLE_FR, TITLE_EN = heading("AI Weekly", "fr"), heading("AI Weekly", "en")  # named from the index: 10 of its 11 issues are AI Weekly
OPENAI_YOUTUBE = "what did we write about OpenAI and YouTube?"
TATIN = "What's the best pizza in Naples?"  # a subject the archive never mentions
# The README's screenshots are written to docs/ only when asked (AIBREW_SCREENSHOTS=docs), so that a
# test run leaves the checkout as it was; otherwise beside the other artifacts.
DOCS = REPO / "docs" if os.environ.get("AIBREW_SCREENSHOTS") == "docs" else ARTIFACTS
MAX_SCREENSHOT = 300_000  # bytes


@contextmanager
def streamlit_server(index_dir: Path, log: Path, *, timeout: float = 120) -> Iterator[str]:
    """`streamlit run search_app/app.py` on a free local port over `index_dir`; yields its URL, then stops it."""
    port = free_port()
    env = {**os.environ, "AIBREW_INDEX": str(index_dir), "HF_HUB_OFFLINE": "1"}
    env.pop("AIBREW_LLM_BASE_URL", None)
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (exit {server.poll()}); log:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        stop(server)


def stop(process: subprocess.Popen, grace: float = 15) -> int:
    """SIGTERM, then SIGKILL if it still runs after `grace` seconds; its exit status."""
    process.terminate()
    with suppress(subprocess.TimeoutExpired):
        return process.wait(timeout=grace)
    process.kill()
    return process.wait(timeout=grace)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, *, lang: str = "fr"):
    """A fresh session on the page, once its question box is there."""
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.set_default_timeout(WAIT_MS)
    page.goto(url, timeout=WAIT_MS)
    page.get_by_placeholder(t("ask", lang)).wait_for(timeout=WAIT_MS)
    return page


def ask_in_browser(page, question: str, *, answered: int, lang: str = "fr") -> float:
    """Type `question`, press Enter, wait until its answer is drawn (its cited sources, or the not-found box); seconds taken."""
    box = page.get_by_placeholder(t("ask", lang))
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    reply = page.get_by_test_id("stChatMessage").nth(2 * answered + 1)
    reply.locator(".aib-meta, [data-testid='stAlert']").first.wait_for(timeout=WAIT_MS)
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def served_index(built_index, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("served") / "index"
    shutil.copytree(built_index, folder, ignore=shutil.ignore_patterns(".lock"))
    return folder


@pytest.fixture(scope="module")
def server(served_index, tmp_path_factory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    with streamlit_server(served_index, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        yield browser


def test_a_question_gets_an_answer_with_its_sources(browser, server, engine):
    expected = engine.ask(OPENAI_YOUTUBE)  # what the page shows with its default settings
    page = open_page(browser, server)
    ask_in_browser(page, OPENAI_YOUTUBE, answered=0)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    assert re.search(r"\[\d\]", reply.get_by_test_id("stMarkdown").first.inner_text())
    titles = reply.locator(".aib-meta b").all_inner_texts()
    assert titles and titles[0].endswith(AI_BREW)
    assert reply.locator("mark.aib-used").count() > 0
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=WAIT_MS)
    reply.get_by_test_id("stMarkdown").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "browser-answer.png"))

    deepest = max(expected.cited, key=lambda n: expected.hits[n - 1].start)  # the cited passage furthest down its issue
    page.set_viewport_size({"width": 1280, "height": 800})
    reply.get_by_role("button", name=t("open", "fr")).nth(expected.cited.index(deepest)).click()  # cited cards, in citing order
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    assert_marked_in_view(page)  # the passage is scrolled into view, above the pinned question bar
    assert page.locator(".aib-issue mark.aib-used").count() > 0
    page.screenshot(path=str(ARTIFACTS / "browser-issue.png"))
    page.close()


def test_the_first_screen_has_the_question_box_and_a_question_typed_while_the_engine_loads_is_answered(
        browser, served_index, tmp_path):
    """A fresh server: the question box comes with the title, before the engine is loaded (issue 25); a question
    typed in it then is answered once the engine is there, and the page never shows two question boxes."""
    with streamlit_server(served_index, tmp_path / "server.log") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        page.goto(url, timeout=WAIT_MS)
        box = page.get_by_placeholder(t("ask", "fr"))
        box.wait_for(timeout=WAIT_MS)
        assert page.get_by_role("heading", name=heading("AI Weekly", "fr")).is_visible()
        assert page.get_by_role("button", name=re.compile("^Qu'a-t-on écrit sur ")).count() == 0  # the engine is still loading
        box.fill(OPENAI_YOUTUBE)
        box.press("Enter")
        reply = page.get_by_test_id("stChatMessage").nth(1)
        reply.locator(".aib-meta").first.wait_for(timeout=WAIT_MS)
        assert re.search(r"\[\d\]", reply.get_by_test_id("stMarkdown").first.inner_text())
        assert page.get_by_test_id("stChatMessage").nth(0).inner_text().strip().endswith(OPENAI_YOUTUBE)
        page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]').dataset.testScriptState === 'notRunning'")
        assert page.get_by_placeholder(t("ask", "fr")).count() == 1
        page.close()


def screenshot(target, path: Path) -> None:
    """A PNG of a page or an element, small enough for the README (at CSS scale)."""
    path.parent.mkdir(exist_ok=True)
    target.screenshot(path=str(path), scale="css")
    assert path.stat().st_size <= MAX_SCREENSHOT, f"{path} is {path.stat().st_size} bytes"


def test_the_landing_page_invites_questions_and_one_click_asks(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    page.goto(server, timeout=WAIT_MS)
    examples = page.get_by_role("button", name=re.compile("^Qu'a-t-on écrit sur "))
    examples.first.wait_for(timeout=WAIT_MS)
    for _ in range(100):  # the page draws as its script runs: let every example arrive
        if examples.count() >= 4:
            break
        page.wait_for_timeout(200)
    assert 4 <= examples.count() <= 6
    assert page.get_by_text(re.compile(r"^\d+ numéros \(\d+ passages\), d'avril 2024 à ")).is_visible()
    assert page.get_by_text(t("latest", "fr")).is_visible()
    DOCS.mkdir(exist_ok=True)
    screenshot(page, DOCS / "landing.png")
    question = examples.first.inner_text()
    examples.first.click()
    reply = page.get_by_test_id("stChatMessage").nth(1)
    reply.locator(".aib-meta").first.wait_for(timeout=WAIT_MS)
    assert re.search(r"\[\d\]", reply.get_by_test_id("stMarkdown").first.inner_text())
    page.wait_for_url(re.compile(r"\?q=Qu%27a-t-on|\?q=Qu'a-t-on"), timeout=WAIT_MS)  # the address bar can be shared
    assert page.get_by_test_id("stChatMessage").nth(0).get_by_test_id("stMarkdown").inner_text().strip() == question
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=WAIT_MS)
    page.set_viewport_size({"width": 1100, "height": 2200})  # the whole answer and its sources in view
    time.sleep(0.5)
    screenshot(reply, DOCS / "answer.png")
    page.close()


def test_shared_urls_open_a_question_and_an_issue_at_its_passage(browser, server, engine):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{server}/?q={quote('Qu’a annoncé Anthropic ?')}&lang=en", timeout=WAIT_MS)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    reply.locator(".aib-meta").first.wait_for(timeout=WAIT_MS)
    page.get_by_placeholder(t("ask", "en")).wait_for(timeout=WAIT_MS)  # ?lang=en
    page.get_by_role("heading", name=TITLE_EN).wait_for(timeout=WAIT_MS)
    articles = reply.locator("a[href^='https://'][title^='Read the article on ']")
    articles.first.wait_for(timeout=WAIT_MS)
    expected = engine.ask("Qu’a annoncé Anthropic ?")  # the cited sources' own articles are linked
    domains = {link.domain for n in expected.cited for link in expected.hits[n - 1].links}
    assert articles.count() > 0 and any(d in " ".join(articles.all_inner_texts()) for d in domains)
    reply.get_by_test_id("stPopover").first.click()  # the answer's link, with its own copy button
    shared = page.get_by_test_id("stCode").filter(has_text="?q=").first
    shared.wait_for(timeout=WAIT_MS)
    assert shared.inner_text().strip().startswith(server + "/?q=") and "lang=en" in shared.inner_text()

    issue = next(i for i in engine.index.issues.values() if i.title == AI_BREW)
    passage = [p for p in engine.index.passages if p.issue_id == issue.id][-2]  # far down its issue
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{server}/?issue={quote(issue.id)}&at={passage.start}", timeout=WAIT_MS)
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    assert_marked_in_view(page)
    assert page.locator(f"#aib-focus-{passage.start}-{passage.end}").count() == 1
    page.close()


def pick_view(page, view: str, lang: str = "fr") -> None:
    """Click a view at the top of the page."""
    page.get_by_test_id("stButtonGroup").get_by_text(t(f"view.{view}", lang), exact=True).click()


def pick_site(page, site: str) -> None:
    page.get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(site)} \(")).click()


def test_the_sites_view_and_more_like_this(browser, server):
    page = open_page(browser, server)
    pick_view(page, "sites")
    page.get_by_text(t("sites.title", "fr")).wait_for(timeout=WAIT_MS)
    page.locator(".aib-sites td").first.wait_for(timeout=WAIT_MS)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=WAIT_MS)
    pick_site(page, "openai.com")
    page.locator("a[href^='https://'][title=\"Lire l'article sur openai.com\"]").first.wait_for(timeout=WAIT_MS)  # its items
    pick_view(page, "ask")
    ask_in_browser(page, OPENAI_YOUTUBE, answered=0)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    reply.get_by_role("button", name=t("similar", "fr")).first.click()
    page.get_by_text(t("similar.title", "fr")).wait_for(timeout=WAIT_MS)
    settled(page)  # the passage, then its neighbours, all drawn
    titles = page.locator(".aib-meta b").all_inner_texts()
    assert titles[0] == AI_BREW and len(titles) > 2 and AI_BREW not in titles[1:]
    page.close()


def test_an_absent_subject_says_so_and_folds_the_closest_passages(browser, server):
    page = open_page(browser, server)
    ask_in_browser(page, TATIN, answered=0)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    assert "Rien dans l'archive ne répond à cette question." in reply.get_by_test_id("stAlert").first.inner_text()
    folded = reply.get_by_test_id("stExpander").filter(has_text="probablement sans rapport avec la question")
    folded.wait_for(timeout=WAIT_MS)
    assert not reply.locator(".aib-meta").first.is_visible()  # folded until the reader opens it
    folded.get_by_text("probablement sans rapport").click()
    reply.locator(".aib-meta").first.wait_for(state="visible", timeout=WAIT_MS)
    page.close()


GROQ = "Combien Microsoft a-t-il payé pour racheter Groq ?"  # the archive names both, never together: Nvidia bought Groq


def test_a_question_the_archive_speaks_around_says_what_it_lacks_then_what_it_says(browser, server, engine):
    expected = engine.ask(GROQ)
    assert expected.outcome == "related"  # the real engine, on the real index
    page = open_page(browser, server)
    ask_in_browser(page, GROQ, answered=0)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    settled(page)
    shown = reply.inner_text()
    assert t("related", "fr") in shown and t("related.help", "fr") in shown
    lacks = expected.text.split(" : ", 1)[0]  # "L'archive ne rapporte pas exactement cela"
    assert lacks in shown
    assert "Microsoft" in shown and "Groq" in shown and "Nvidia" in shown  # what it does say, quoted
    assert t("not_found", "fr") not in shown  # not the not-found box
    assert reply.locator(".aib-meta").first.is_visible()  # its cited sources drawn
    assert page.get_by_test_id("stException").count() == 0
    page.close()


# --- round three: links that never break, history, the answer in view, every view's URL, phones ----------------

MISTRAL = "Qu'a-t-on écrit sur Mistral ?"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BAD_LINKS = [  # (query, the parameter the note names): each used to show a traceback, or nothing at all
    ("from=2025-02-30&q=Mistral", "from=2025-02-30"),
    ("from=2025-13&q=Mistral", "from=2025-13"),
    ("from=2025-00&q=Mistral", "from=2025-00"),
    ("from=2025-12-45&q=Mistral", "from=2025-12-45"),
    ("from=0000-01-01&q=Mistral", "from=0000-01-01"),
    ("to=2025-13&q=Mistral", "to=2025-13"),
    ("issue=does-not-exist&q=Mistral", "issue=does-not-exist"),
    ("site=nonexistent.example&q=Mistral", "site=nonexistent.example"),
    ("in=bogus&q=Mistral", "in=bogus"),
    ("issue=does-not-exist", "issue=does-not-exist"),  # alone, as the issue reported them: the landing, with the note
    ("site=nonexistent.example", "site=nonexistent.example"),
    ("in=bogus", "in=bogus"),
    ("from=2025-12-01&to=2025-01&q=Mistral", "from=2025-12-01 > to=2025-01"),
    ("issue=AI_Weekly_Dec13-19_2025&at=-5", "at=-5"),
    ("issue=AI_Weekly_Dec13-19_2025&at=abc", "at=abc"),
]


def new_page(browser, viewport=DESKTOP):
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(WAIT_MS)
    return page


def settled(page) -> None:
    """Wait until the page's script has finished running, and a moment more."""
    page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]').dataset.testScriptState === 'notRunning'",
                           timeout=WAIT_MS)
    page.wait_for_timeout(800)


@pytest.mark.parametrize(("query", "named"), BAD_LINKS, ids=[query for query, _ in BAD_LINKS])
def test_a_bad_link_shows_no_traceback_and_says_what_was_ignored(browser, server, query, named):
    page = new_page(browser)
    page.goto(f"{server}/?{query}", timeout=WAIT_MS)
    note = page.get_by_test_id("stAlert").filter(has_text="Lien : ignoré")
    note.wait_for(timeout=WAIT_MS)
    assert named in note.inner_text() and len(note.inner_text().strip().splitlines()) == 1, note.inner_text()
    if "q=Mistral" in query:  # the rest of the link works: the question is asked
        page.get_by_test_id("stChatMessage").nth(1).locator(".aib-meta, [data-testid='stAlert']").first.wait_for(timeout=WAIT_MS)
    elif "at=" in query:  # the issue opens, at its top
        page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    else:  # the landing
        page.get_by_text(t("latest", "fr")).wait_for(timeout=WAIT_MS)
    settled(page)
    assert page.get_by_test_id("stException").count() == 0 and "Traceback" not in page.content()
    assert "search_app/" not in page.inner_text("body")
    assert page.get_by_placeholder(t("ask", "fr")).is_visible()  # the chat box and the filters are there
    assert page.get_by_test_id("stSidebar").get_by_text(t("filters", "fr")).count() == 1
    page.close()


def test_back_and_forward_move_between_the_answer_and_the_issue(browser, server):
    page = open_page(browser, server)
    ask_in_browser(page, MISTRAL, answered=0)
    page.wait_for_url(re.compile(r"\?q="), timeout=WAIT_MS)
    answer_url = page.url
    page.get_by_test_id("stChatMessage").nth(1).get_by_role("button", name=t("open", "fr")).first.click()
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    page.wait_for_url(re.compile(r"\?issue="), timeout=WAIT_MS)
    issue_url = page.url
    page.go_back()
    page.locator(".aib-issue").wait_for(state="detached", timeout=WAIT_MS)
    page.get_by_test_id("stChatMessage").nth(1).locator(".aib-meta").first.wait_for(timeout=WAIT_MS)
    settled(page)
    assert page.url == answer_url and page.locator(".aib-issue").count() == 0  # and it stays there
    assert page.get_by_test_id("stChatMessage").count() == 2  # the answer shown again, not asked again
    page.go_forward()
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    settled(page)
    assert page.url == issue_url
    page.reload()
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    assert page.url == issue_url
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x900", "390x844"])
def test_the_new_question_and_the_start_of_its_answer_are_in_view_after_enter(browser, server, viewport):
    page = new_page(browser, viewport)
    page.goto(server, timeout=WAIT_MS)
    ask_in_browser(page, OPENAI_YOUTUBE, answered=0)
    ask_in_browser(page, MISTRAL, answered=1)  # a second question, below a long first answer
    settled(page)
    question, reply = page.get_by_test_id("stChatMessage").nth(2), page.get_by_test_id("stChatMessage").nth(3)
    with suppress(Exception):  # the page brings it up once the answer is drawn; a hang guard, then the assertions say what is wrong
        question.evaluate("e => new Promise(done => { const t0 = Date.now(); (function check() {"
                          " const y = e.getBoundingClientRect().top; if ((y >= 0 && y < 200) || Date.now() - t0 > 30000) done();"
                          " else setTimeout(check, 100); })(); })")
    page.wait_for_timeout(500)
    top = question.bounding_box()["y"]
    text = reply.get_by_test_id("stMarkdown").first.bounding_box()
    assert 0 <= top <= 0.25 * viewport["height"], top
    assert text["y"] + 40 <= viewport["height"] - 120, text  # its first lines above the question box
    if viewport is PHONE:
        screenshot(page, DOCS / "phone.png")
    page.close()


def test_every_view_has_a_url_that_reopens_it(browser, server):
    page = open_page(browser, server)
    pick_view(page, "issues")
    page.wait_for_url(re.compile(r"\?view=issues$"), timeout=WAIT_MS)
    page.reload()
    page.get_by_role("heading", name=t("archive", "fr")).wait_for(timeout=WAIT_MS)
    pick_view(page, "sites")
    page.wait_for_url(re.compile(r"\?view=sites$"), timeout=WAIT_MS)
    pick_site(page, "openai.com")
    page.wait_for_url(re.compile(r"\?view=sites&of=openai.com$"), timeout=WAIT_MS)
    page.reload()
    page.get_by_text(t("sites.title", "fr")).wait_for(timeout=WAIT_MS)
    page.locator("a[title=\"Lire l'article sur openai.com\"]").first.wait_for(timeout=WAIT_MS)  # the site's items again
    pick_view(page, "ask")
    ask_in_browser(page, OPENAI_YOUTUBE, answered=0)
    settled(page)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    title = re.sub(r"^\[\d+\] ", "", reply.locator(".aib-meta b").first.inner_text())
    reply.get_by_role("button", name=t("similar", "fr")).first.click()
    page.wait_for_url(re.compile(r"\?like=[^&]+&at=\d+$"), timeout=WAIT_MS)
    page.reload()
    page.get_by_text(t("similar.title", "fr")).wait_for(timeout=WAIT_MS)
    settled(page)
    assert page.locator(".aib-meta b").first.inner_text() == title  # the passage, then its neighbours
    page.close()


def test_a_phone_gets_the_title_first_compact_cards_and_controls_on_the_page(browser, server):
    page = new_page(browser, PHONE)
    page.goto(server, timeout=WAIT_MS)
    page.get_by_placeholder(t("ask", "fr")).wait_for(timeout=WAIT_MS)
    settled(page)
    title = page.get_by_role("heading", name=TITLE_FR).bounding_box()
    assert 0 <= title["y"] < 200, title  # the landing opens at its top
    assert page.get_by_test_id("stSidebar").get_attribute("aria-expanded") != "true"  # folded on a phone
    views, english = page.get_by_test_id("stButtonGroup"), page.get_by_text(t("english", "fr"), exact=True)
    assert views.is_visible() and english.is_visible() and views.bounding_box()["y"] < 400
    ask_in_browser(page, MISTRAL, answered=0)
    settled(page)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    cards = reply.locator("[class*='st-key-card-']")
    for n in range(cards.count()):
        card = cards.nth(n)
        assert card.locator(".aib-text").bounding_box()["width"] >= 300  # the text is not squeezed
        rows = {round(b.bounding_box()["y"]) for b in card.get_by_role("button").all()}
        assert len(rows) == 1, rows  # one row of controls
    assert reply.bounding_box()["height"] < 2600  # it was 5,300 px
    english.click()
    page.get_by_role("heading", name=TITLE_EN).wait_for(timeout=WAIT_MS)
    page.close()


def test_the_timeline_says_what_it_counts(browser, server):
    page = open_page(browser, server)
    ask_in_browser(page, MISTRAL, answered=0)
    page.get_by_text(re.compile(r"^Passages qui nomment « Mistral », par date de numéro, toutes dates : \d+ dans \d+ numéros\.")).wait_for(
        timeout=WAIT_MS)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=WAIT_MS)
    page.close()


def test_reader_facing_details(browser, server):
    page = new_page(browser, DESKTOP)
    page.goto(server, timeout=WAIT_MS)
    examples = page.get_by_role("button", name=re.compile("^Qu'a-t-on écrit sur "))
    examples.first.wait_for(timeout=WAIT_MS)
    settled(page)
    assert not any(name in examples.all_inner_texts()[n] for n in range(examples.count())
                   for name in ("Upmynt", "Alpha Signal", "Superhuman", "TLDR"))  # subjects, not the sources items credit
    sidebar = page.get_by_test_id("stSidebar")
    assert not sidebar.get_by_text(re.compile("^Numéros : ")).first.is_visible()  # behind "About this index"
    sidebar.get_by_text(t("about", "fr")).click()
    sidebar.get_by_text(re.compile("Numéros : ")).wait_for(timeout=WAIT_MS)
    latest = page.locator("[class*='st-key-latest-'] button p").first
    assert "underline" in latest.evaluate("e => getComputedStyle(e).textDecorationLine")  # titles look clickable
    box = page.get_by_placeholder(t("ask", "fr"))
    box.fill("Qu'a fait OpenAI ? " * 24)  # 455 characters: the counter shows as the limit nears
    counter = page.get_by_test_id("aibCounter")
    counter.wait_for(timeout=WAIT_MS)
    assert re.fullmatch(r"4\d\d / 500 caractères", counter.inner_text())
    box.fill("Qu'a fait OpenAI ?")
    counter.wait_for(state="hidden", timeout=WAIT_MS)
    latest.click()  # an issue opened from the landing: one back button, back to the landing
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    backs = page.get_by_role("button", name=re.compile("^←"))
    assert backs.all_inner_texts() == [t("back.home", "fr")]
    backs.first.click()
    examples.first.wait_for(timeout=WAIT_MS)
    ask_in_browser(page, TATIN, answered=0)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    assert "retirez des filtres" not in reply.inner_text()  # no filter set
    page.close()


def test_the_link_to_share_has_a_copy_button_in_view(browser, server):
    page = open_page(browser, server)
    ask_in_browser(page, MISTRAL, answered=0)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    reply.get_by_test_id("stPopover").first.click()
    help_text = page.get_by_text(t("copy.help", "fr"))
    help_text.wait_for(timeout=WAIT_MS)
    copy = page.get_by_test_id("stCode").get_by_role("button", name="Copy to clipboard").first
    copy.wait_for(state="attached", timeout=WAIT_MS)
    page.mouse.move(0, 0)  # no hover
    page.wait_for_timeout(500)
    assert copy.is_visible() and copy.evaluate(  # shown without a hover: no ancestor hides it
        "e => { for (; e; e = e.parentElement) if (getComputedStyle(e).opacity === '0') return false; return true; }")
    assert "survol" not in help_text.inner_text()
    page.close()


# --- round four (issue 23): the passage in view, every note seen, items that keep their titles ----------------

ZOOM = {"width": 640, "height": 450}  # 1280x900 at 200 % zoom: the CSS pixels a reader has
VIEWPORTS = [DESKTOP, PHONE, ZOOM]
VIEWPORT_IDS = ["1280x900", "390x844", "200pc-zoom"]
VISIBLE = """() => { const head = document.querySelector('[data-testid="stHeader"]'), bar = document.querySelector('[data-testid="stBottom"]');
  return {top: head ? head.getBoundingClientRect().bottom : 0, bottom: bar ? bar.getBoundingClientRect().top : innerHeight}; }"""
MARKED = """() => { const marks = document.querySelectorAll('.aib-issue mark.aib-used');
  const parts = marks.length ? marks : document.querySelectorAll('.aib-issue .aib-passage');
  return [...parts].map(m => { const r = m.getBoundingClientRect(); return [r.top, r.bottom]; }).filter(r => r[1] > r[0]); }"""


def zoomed_page(browser, viewport):
    """A page at `viewport`; ZOOM is drawn with two device pixels per CSS pixel, as 200 % zoom is."""
    page = browser.new_page(viewport=viewport, device_scale_factor=2 if viewport is ZOOM else 1)
    page.set_default_timeout(WAIT_MS)
    return page


def visible_part(page) -> dict:
    """The part of the screen a reader sees text in: below the page's header, above the pinned question bar."""
    return page.evaluate(VISIBLE)


def assert_marked_in_view(page) -> None:
    """The issue's marked sentences (or, with none, its shaded passage) sit in the visible part of the screen;
    when they are taller than it, the first ones do, from its top."""
    with suppress(Exception):  # the page scrolls once it is drawn; a hang guard, then the assertions say what is wrong
        page.wait_for_function(f"() => {{ const v = ({VISIBLE})(), m = ({MARKED})();"
                               " return m.length && m[0][0] >= v.top && m[0][1] <= v.bottom; }", timeout=30_000)
    page.wait_for_timeout(1500)  # and it stays there
    view, marked = visible_part(page), page.evaluate(MARKED)
    assert marked, "nothing marked in the issue"
    first, last = marked[0][0], max(bottom for _, bottom in marked)
    assert view["top"] <= first < view["bottom"] - 20, (view, marked[:3])
    if last - first <= view["bottom"] - view["top"]:
        assert last <= view["bottom"], (view, first, last)  # all of it above the bar


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_the_issue_opens_with_the_marked_sentences_above_the_question_bar(browser, server, engine, viewport):
    expected = engine.ask(OPENAI_YOUTUBE)
    page = zoomed_page(browser, viewport)
    page.goto(server, timeout=WAIT_MS)
    ask_in_browser(page, OPENAI_YOUTUBE, answered=0)
    settled(page)
    deepest = max(expected.cited, key=lambda n: expected.hits[n - 1].start)  # the cited passage furthest down its issue
    reply = page.get_by_test_id("stChatMessage").nth(1)
    opener = reply.get_by_role("button", name=t("open", "fr")).nth(expected.cited.index(deepest))
    opener.click()
    try:
        page.locator(".aib-issue").wait_for(timeout=30_000)
    except Exception:  # noqa: BLE001 - seen once in 5 runs on the loaded phone run: the click was lost; once more
        if page.locator(".aib-issue").count() == 0 and opener.count():
            opener.click()
    page.locator(".aib-issue mark.aib-used").first.wait_for(timeout=WAIT_MS)
    assert_marked_in_view(page)
    screenshot(page, ARTIFACTS / f"issue-{viewport['width']}.png")
    page.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_a_link_to_a_passage_opens_with_it_above_the_question_bar(browser, server, engine, viewport):
    passages = [p for p in engine.index.passages if p.issue_id == "AI_Weekly_Dec7-12_2025"]
    page = zoomed_page(browser, viewport)
    for passage in (passages[len(passages) * 3 // 4], passages[-1]):  # far down its issue, and its last
        page.goto(f"{server}/?issue={passage.issue_id}&at={passage.start}", timeout=WAIT_MS)
        page.locator(f"#aib-focus-{passage.start}-{passage.end}").wait_for(state="attached", timeout=WAIT_MS)
        assert_marked_in_view(page)
    page.close()


NOTED_LINKS = [("from=2025-13&q=Mistral", t("link.bad_date", "fr")),
               (f"q={quote('Qu’a-t-on écrit sur Mistral ? ' * 20)}", t("link.long_question", "fr"))]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
@pytest.mark.parametrize(("query", "said"), NOTED_LINKS, ids=["bad-date", "long-question"])
def test_a_note_about_a_link_that_asks_a_question_is_in_view(browser, server, viewport, query, said):
    page = zoomed_page(browser, viewport)
    page.goto(f"{server}/?{query}", timeout=WAIT_MS)
    page.get_by_test_id("stChatMessage").nth(1).locator(".aib-meta, [data-testid='stAlert']").first.wait_for(timeout=WAIT_MS)
    settled(page)
    page.wait_for_timeout(1500)
    note = page.get_by_test_id("stAlert").filter(has_text=said)
    box, view = note.bounding_box(), visible_part(page)
    assert view["top"] <= box["y"] and box["y"] + box["height"] <= view["bottom"], (box, view)
    question = page.get_by_test_id("stChatMessage").nth(0).bounding_box()
    assert question["y"] < view["bottom"], question  # what it is about starts below it, in view
    page.close()


def test_a_question_typed_too_long_says_so_in_view(browser, server):
    page = open_page(browser, server)
    page.set_viewport_size(DESKTOP)
    ask_in_browser(page, OPENAI_YOUTUBE, answered=0)
    box = page.get_by_placeholder(t("ask", "fr"))
    box.fill("Qu'a fait Mistral ? " * 30)
    box.press("Enter")
    note = page.get_by_test_id("stAlert").filter(has_text=t("question.long", "fr", n=500))
    note.wait_for(timeout=WAIT_MS)
    settled(page)
    page.wait_for_timeout(1500)
    shown, view = note.bounding_box(), visible_part(page)
    assert view["top"] <= shown["y"] and shown["y"] + shown["height"] <= view["bottom"], (shown, view)
    page.close()


def test_readers_see_no_model_build_time_or_file_name(browser, server, engine):
    page = new_page(browser, DESKTOP)
    page.goto(server, timeout=WAIT_MS)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(t("about", "fr")).click()
    sidebar.get_by_text(t("index.issues", "fr", value=len(engine.index.issues))).wait_for(timeout=WAIT_MS)
    shown = sidebar.inner_text()
    assert engine.index.model not in shown and "Modèle" not in shown and "Construit" not in shown
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown)  # no build time
    issue = "AI_Weekly_Dec20-26_2025_UPDATED"
    page.goto(f"{server}/?issue={issue}", timeout=WAIT_MS)
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    settled(page)
    above = page.get_by_test_id("stMain").inner_text().split(page.locator(".aib-issue").inner_text()[:40])[0]
    assert ".html" not in above and "_UPDATED" not in above and "Fichier" not in above, above
    page.close()


def test_an_english_page_speaks_english_to_a_french_question(browser, server, engine):
    assert engine.ask(GROQ).outcome == "related" and engine.ask(GROQ).language == "fr"
    page = new_page(browser, DESKTOP)
    page.goto(f"{server}/?lang=en", timeout=WAIT_MS)
    page.get_by_placeholder(t("ask", "en")).wait_for(timeout=WAIT_MS)
    ask_in_browser(page, GROQ, answered=0, lang="en")
    settled(page)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    shown = reply.inner_text()
    assert t("related", "en") in shown and "The archive does not report exactly this" in shown, shown[:600]
    assert "L'archive ne rapporte pas" not in shown and "Voici ce qu'elle en dit" not in shown
    assert t("quotes", "en", language="French") in shown  # the quotes are the archive's French, and it says so
    assert "help" not in reply.get_by_test_id("stMarkdown").first.inner_text()  # the badge: no icon read aloud as "help"
    page.get_by_text(t("english", "en"), exact=True).click()  # the French page: the same answer in French
    page.get_by_role("heading", name=re.compile("l'archive")).wait_for(timeout=WAIT_MS)
    settled(page)
    shown = page.get_by_test_id("stChatMessage").nth(1).inner_text()
    assert "L'archive ne rapporte pas exactement cela" in shown and "Les citations viennent" not in shown
    page.close()


def test_back_from_an_issue_opened_from_an_earlier_answer_returns_to_that_answer(browser, server):
    page = new_page(browser, DESKTOP)
    page.goto(server, timeout=WAIT_MS)
    ask_in_browser(page, MISTRAL, answered=0)
    ask_in_browser(page, OPENAI_YOUTUBE, answered=1)
    settled(page)
    page.wait_for_url(re.compile(r"\?q=what"), timeout=WAIT_MS)
    earlier = page.get_by_test_id("stChatMessage").nth(1)
    earlier.get_by_test_id("stExpander").first.get_by_text(t("sources", "fr"), exact=False).click()  # its sources, folded
    earlier.get_by_role("button", name=t("open", "fr")).first.click()
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    page.wait_for_url(re.compile(r"\?issue="), timeout=WAIT_MS)
    settled(page)
    page.go_back()
    page.locator(".aib-issue").wait_for(state="detached", timeout=WAIT_MS)
    settled(page)
    page.wait_for_timeout(1500)
    assert "q=Qu%27a-t-on+%C3%A9crit+sur+Mistral" in page.url or "Mistral" in page.url, page.url
    assert page.get_by_test_id("stChatMessage").count() == 4  # both answers shown again, not asked again
    question = page.get_by_test_id("stChatMessage").nth(0)
    assert question.get_by_test_id("stMarkdown").inner_text().strip() == MISTRAL
    top = question.bounding_box()["y"]
    assert 0 <= top <= 0.25 * DESKTOP["height"], top  # the answer being read, in view
    page.close()


FOCUSED = """() => { const e = document.activeElement, r = e.getBoundingClientRect();
  return {inMain: !!e.closest('[data-testid="stMain"]') && !e.closest('[data-testid="stBottom"]'),
          top: r.top, bottom: r.bottom, text: (e.textContent || '').slice(0, 30)}; }"""


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_keyboard_focus_is_never_under_the_question_bar_and_the_box_is_one_tab_away(browser, server, viewport):
    page = zoomed_page(browser, viewport)
    page.goto(server, timeout=WAIT_MS)
    box = page.get_by_placeholder(t("ask", "fr"))
    box.wait_for(timeout=WAIT_MS)
    settled(page)
    page.keyboard.press("Tab")  # the first Tab: a link to the question box
    assert page.evaluate("() => document.activeElement.textContent") == t("skip", "fr")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.dataset.testid") == "stChatInputTextArea"
    ask_in_browser(page, MISTRAL, answered=0)
    settled(page)
    page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first.click()  # reading the answer
    seen = 0
    for _ in range(16):  # through the answer's controls and its sources' buttons and links
        page.keyboard.press("Tab")
        page.wait_for_timeout(250)
        focused, view = page.evaluate(FOCUSED), visible_part(page)
        if focused["inMain"]:
            seen += 1
            assert view["top"] - 2 <= focused["top"] and focused["bottom"] <= view["bottom"] + 2, (focused, view)
    assert seen >= 8
    page.close()


def test_a_sites_link_opens_at_that_sites_items(browser, server):
    for viewport in (DESKTOP, PHONE):
        page = new_page(browser, viewport)
        page.goto(f"{server}/?view=sites&of=openai.com", timeout=WAIT_MS)
        items = page.locator("[class*='st-key-site-items']")
        items.wait_for(timeout=WAIT_MS)
        settled(page)
        page.wait_for_timeout(1500)
        view, top = visible_part(page), items.bounding_box()["y"]
        assert view["top"] - 2 <= top < view["top"] + 0.3 * (view["bottom"] - view["top"]), (top, view)
        assert page.locator("[class*='st-key-site-items'] a[title=\"Lire l'article sur openai.com\"]").first.is_visible()
        page.close()


def test_a_phone_list_puts_each_date_beside_its_title(browser, server):
    page = new_page(browser, PHONE)
    for url in (server, f"{server}/?view=issues"):
        page.goto(url, timeout=WAIT_MS)
        rows = page.locator("[class*='st-key-dated-']")
        rows.first.wait_for(timeout=WAIT_MS)
        settled(page)
        assert rows.count() >= 5
        for n in range(rows.count()):
            day = rows.nth(n).get_by_test_id("stCaptionContainer").bounding_box()
            title = rows.nth(n).get_by_role("button").bounding_box()
            assert day["x"] + day["width"] <= title["x"] + 1, (day, title)  # the date on the left
            assert title["y"] <= day["y"] + day["height"] / 2 <= title["y"] + title["height"], (day, title)  # same line
    page.close()


def test_a_position_between_passages_opens_the_next_one_without_a_note(browser, server, engine):
    passages = [p for p in engine.index.passages if p.issue_id == "AI_Weekly_Dec7-12_2025"]
    after = next(p for prev, p in zip(passages, passages[1:]) if prev.end < p.start - 5)
    page = new_page(browser, PHONE)
    page.goto(f"{server}/?issue={after.issue_id}&at={after.start - 5}", timeout=WAIT_MS)  # on the item's heading
    page.locator(f"#aib-focus-{after.start}-{after.end}").wait_for(state="attached", timeout=WAIT_MS)
    settled(page)
    assert page.get_by_test_id("stAlert").count() == 0  # no "position hors du numéro"
    assert_marked_in_view(page)
    page.close()


def test_more_like_this_puts_the_closest_first_and_the_page_is_named_after_the_newsletter(browser, server):
    page = open_page(browser, server)
    assert page.title() == "AI Weekly"
    page.get_by_role("heading", name=TITLE_FR).wait_for(timeout=WAIT_MS)
    ask_in_browser(page, OPENAI_YOUTUBE, answered=0)
    page.get_by_test_id("stChatMessage").nth(1).get_by_role("button", name=t("similar", "fr")).first.click()
    page.get_by_text(t("similar.title", "fr")).wait_for(timeout=WAIT_MS)
    settled(page)
    checked = page.get_by_test_id("stRadio").locator("input:checked")
    assert checked.evaluate("e => e.closest('label').innerText").strip() == t("similar.similarity", "fr")
    page.close()


def test_a_phone_sees_the_whole_sites_table_and_chart(browser, server):
    page = new_page(browser, PHONE)
    page.goto(f"{server}/?view=sites", timeout=WAIT_MS)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=WAIT_MS)
    settled(page)
    table = page.locator(".aib-sites")
    assert table.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # no column cut off on the right
    assert table.locator("th").filter(has_text=t("sites.col.last", "fr")).is_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first.bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= PHONE["width"], chart
    screenshot(page.get_by_test_id("stVegaLiteChart").first, ARTIFACTS / "sites-chart-phone.png")
    page.close()


def test_an_issue_opened_without_a_passage_starts_with_its_text_high_on_a_phone(browser, server):
    page = new_page(browser, PHONE)
    page.goto(f"{server}/?view=issues", timeout=WAIT_MS)
    page.locator("[class*='st-key-issue-AI_Weekly_Dec7-12_2025'] button").click()
    issue = page.locator(".aib-issue")
    issue.wait_for(timeout=WAIT_MS)
    settled(page)
    page.wait_for_timeout(1500)
    view = visible_part(page)
    assert issue.bounding_box()["y"] < view["top"] + 0.5 * (view["bottom"] - view["top"]), issue.bounding_box()  # was 570 of 844
    assert page.get_by_role("button", name=re.compile("^←")).bounding_box()["y"] >= view["top"] - 2  # its head in view
    page.close()


# --- last: this test rebuilds the served index with one issue, for the running server to pick up -----------

PAYLOAD_ISSUE = """---
date: 2024-05-14
url: https://example.com/ai-brew/robots
---
# AI Brew — Les robots humanoïdes arrivent à l'usine

## 🤖 Robots humanoïdes

Figure AI a présenté son robot humanoïde Figure 02, capable de déplacer des pièces détachées dans une usine BMW en Caroline du Sud. Les robots humanoïdes apprennent désormais des tâches de manutention en observant des vidéos de démonstration, puis s'entraînent en simulation avant d'être déployés sur la chaîne de montage.

Un lecteur nous a envoyé ce code trouvé sur un forum de robotique : <script>window.__pwned = 1; document.title='PWNED'</script> et <img src=x onerror="window.__pwned=2"> et <script>alert(1)</script> : rien de tout cela ne doit s'exécuter.

```
<img src=x onerror="window.__pwned=3;alert(3)">
```

Tesla affirme de son côté que son robot Optimus triera des batteries dans ses propres usines dès l'an prochain, tandis qu'Agility Robotics loue ses robots Digit à des entrepôts logistiques.
"""


def test_markup_in_the_archive_shows_as_text_and_never_runs(browser, server, served_index, embedder, tmp_path):
    from indexer.build.build import rebuild
    from indexer.config import Config

    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "robots.md").write_text(PAYLOAD_ISSUE)
    rebuild(Config(archives=(archive,), index_dir=served_index), embedder=embedder)  # the running server picks it up

    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(WAIT_MS)
    page.goto(server, timeout=WAIT_MS)
    page.get_by_test_id("stSidebar").get_by_text(t("about", "fr")).click()
    page.get_by_test_id("stSidebar").get_by_text(re.compile(r"Numéros : 1\b")).wait_for(timeout=WAIT_MS)
    ask_in_browser(page, "Que dit l'archive sur les robots humanoïdes de Figure AI chez BMW ?", answered=0)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    assert "Les robots humanoïdes arrivent" in reply.locator(".aib-meta b").first.inner_text()
    reply.get_by_role("button", name=t("open", "fr")).first.click()
    issue = page.locator(".aib-issue")
    issue.wait_for(timeout=WAIT_MS)
    text = issue.inner_text()
    assert "<script>" in text and "document.title='PWNED'</script>" in text and "<script>alert(1)</script>" in text
    assert 'onerror="window.__pwned=3;alert(3)"' in text and "<img src=x onerror=" in text
    time.sleep(1)  # give any injected handler (image error, script) the time to fire
    assert page.evaluate("() => [window.__pwned, window.pwned]") == [None, None]
    assert page.title() != "PWNED" and dialogs == []
    assert page.evaluate("() => document.querySelectorAll('.aib-issue script, .aib-issue img, .aib-text img').length") == 0
    page.screenshot(path=str(ARTIFACTS / "browser-markup.png"))
    page.close()
