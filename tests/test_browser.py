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
OPENAI_YOUTUBE = "what did we write about OpenAI and YouTube?"
TATIN = "What's the best pizza in Naples?"  # a subject the archive never mentions
DOCS = REPO / "docs"  # the README's screenshots
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
    """Type `question`, press Enter, wait until its answer is drawn (sources, or a notice); seconds taken."""
    box = page.get_by_placeholder(t("ask", lang))
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    reply = page.get_by_test_id("stChatMessage").nth(2 * answered + 1)
    reply.locator("[data-testid='stExpander'], [data-testid='stAlert']").first.wait_for(timeout=WAIT_MS)
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

    cited = {s.citation - 1 for s in expected.sentences}  # sources whose sentences the answer uses
    deepest = max(cited, key=lambda n: expected.hits[n].start)  # of those, the passage furthest down its issue
    page.set_viewport_size({"width": 1280, "height": 800})
    reply.get_by_role("button", name=t("open", "fr")).nth(deepest).click()
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    page.wait_for_function(  # the passage is scrolled into view inside the issue
        """() => { const a = document.querySelector('[id^="aib-focus-"]'), box = document.querySelector('.aib-issue');
                   if (!a || !box) return false; const r = a.getBoundingClientRect(), b = box.getBoundingClientRect();
                   return box.scrollTop > 0 && r.top >= b.top && r.top < b.bottom && r.top >= 0 && r.top < innerHeight; }""",
        timeout=30_000,
    )
    assert page.locator(".aib-issue mark.aib-used").count() > 0
    page.screenshot(path=str(ARTIFACTS / "browser-issue.png"))
    page.close()


def screenshot(target, path: Path) -> None:
    """A PNG of a page or an element, small enough for the README (at CSS scale)."""
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
    reply.locator("[data-testid='stExpander']").first.wait_for(timeout=WAIT_MS)
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
    reply.locator("[data-testid='stExpander']").first.wait_for(timeout=WAIT_MS)
    page.get_by_placeholder(t("ask", "en")).wait_for(timeout=WAIT_MS)  # ?lang=en
    page.get_by_role("heading", name=t("title", "en")).wait_for(timeout=WAIT_MS)
    articles = reply.locator("a[href^='https://']", has_text="Read the article")
    articles.first.wait_for(timeout=WAIT_MS)
    assert articles.count() > 0 and "anthropic.com" in " ".join(articles.all_inner_texts())
    reply.get_by_test_id("stPopover").first.click()  # the answer's link, with its own copy button
    shared = page.get_by_test_id("stCode").filter(has_text="?q=").first
    shared.wait_for(timeout=WAIT_MS)
    assert shared.inner_text().strip().startswith(server + "/?q=") and "lang=en" in shared.inner_text()

    issue = next(i for i in engine.index.issues.values() if i.title == AI_BREW)
    passage = [p for p in engine.index.passages if p.issue_id == issue.id][-2]  # far down its issue
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{server}/?issue={quote(issue.id)}&at={passage.start}", timeout=WAIT_MS)
    page.locator(".aib-issue").wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        """() => { const a = document.querySelector('[id^="aib-focus-"]'), box = document.querySelector('.aib-issue');
                   if (!a || !box) return false; const r = a.getBoundingClientRect(), b = box.getBoundingClientRect();
                   return box.scrollTop > 0 && r.top >= b.top && r.top < b.bottom; }""",
        timeout=30_000,
    )
    assert page.locator(f"#aib-focus-{passage.start}-{passage.end}").count() == 1
    page.close()


def test_the_sites_view_and_more_like_this(browser, server):
    page = open_page(browser, server)
    page.get_by_test_id("stSidebar").get_by_text(t("view.sites", "fr"), exact=True).click()
    page.get_by_text(t("sites.title", "fr")).wait_for(timeout=WAIT_MS)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=WAIT_MS)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=WAIT_MS)
    page.locator("a[href^='https://']", has_text="Lire l'article").first.wait_for(timeout=WAIT_MS)  # the first site's items
    page.get_by_test_id("stSidebar").get_by_text(t("view.ask", "fr"), exact=True).click()
    ask_in_browser(page, OPENAI_YOUTUBE, answered=0)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    reply.get_by_role("button", name=t("similar", "fr")).first.click()
    page.get_by_text(t("similar.title", "fr")).wait_for(timeout=WAIT_MS)
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
    from indexer.build import rebuild
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
