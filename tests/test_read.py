"""Reading archive files into Issues: the real AI Brew and ai-weekly-fr files, and small hand-made ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import InputError
from indexer.read import find_issue_files, read_archive, read_issue
from indexer.read.lang import detect_language

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "archive"
AI_BREW = ARCHIVE / "000_4890d60036440a5b.txt"
AI_BREW_TITLE = "La course aux données d\u2019entraînement pour l\u2019IA"
WEEKLY_DATES = {
    "AI_Weekly_Dec1-6_2025": "2025-12-01",
    "AI_Weekly_Dec13-19_2025": "2025-12-13",
    "AI_Weekly_Dec20-26_2025": "2025-12-20",
    "AI_Weekly_Dec20-26_2025_UPDATED": "2025-12-20",
    "AI_Weekly_Dec7-12_2025": "2025-12-07",
    "AI_Weekly_Nov2-8_2025": "2025-11-02",
    "AI_Weekly_Nov23-29_2025": "2025-11-23",
    "AI_Weekly_Nov23-29_2025_final": "2025-11-23",
    "AI_Weekly_Nov23-29_2025_v2": "2025-11-23",
    "AI_Weekly_Nov30-Dec3_2025_final": "2025-11-30",
    "AI_Weekly_Nov30-Dec3_2025_v2": "2025-11-30",
    "AI_Weekly_Nov8-14_2025": "2025-11-08",
    "AI_Weekly_Nov8-14_2025_v2": "2025-11-08",
    "AI_Weekly_Oct25-31_2025_Balanced": "2025-10-25",
    "ai-weekly-27dec-2jan": "2025-12-27",
}


def shared_corpora() -> Path:
    """../shared/corpora beside the repository; CI always has it, so its absence is a failure."""
    path = REPO.parent / "shared" / "corpora"
    assert path.is_dir(), f"shared corpora missing at {path}"
    return path


def weekly_root() -> Path:
    return shared_corpora() / "ai-weekly-fr"


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- AI Brew (scraped web text) ---------------------------------------------------------


@pytest.fixture(scope="module")
def ai_brew():
    return read_issue(AI_BREW, ARCHIVE)


def test_ai_brew_title_is_the_files_own_title(ai_brew):
    assert ai_brew.title == AI_BREW_TITLE
    assert AI_BREW_TITLE in AI_BREW.read_text(encoding="utf-8").splitlines()


def test_ai_brew_ids_date_and_language(ai_brew):
    assert (ai_brew.id, ai_brew.source) == ("000_4890d60036440a5b", "000_4890d60036440a5b.txt")
    assert ai_brew.date == "2024-04"  # from the sidecar: the text states no date
    assert ai_brew.url is None and ai_brew.number is None
    assert ai_brew.language == "fr"


def test_ai_brew_sections(ai_brew):
    by_label = {s.label: s for s in ai_brew.sections}
    long_read = by_label["🔮 OpenAI, YouTube et la quête controversée de données"]
    assert long_read.text.startswith("🔍 En résumé : OpenAI a transcrit plus d'un million d'heures")
    subtopic = next(s for s in ai_brew.sections if s.title == "Une question de valeur et de rémunération")
    assert subtopic.parent == "🔮 OpenAI, YouTube et la quête controversée de données"
    brave = next(s for s in ai_brew.sections if s.title == "Brave lance son assistant AI sur iPhone et iPad")
    assert brave.parent == "📢 News"
    assert brave.text.startswith("Brave lance son assistant IA sur iPhone et iPad.")
    news = [s.title for s in ai_brew.sections if s.parent == "📢 News"]
    assert len(news) == 8 and news[0].startswith("iPhone de l'IA : Jony Ive")
    europe = by_label["🇫🇷 & 🇪🇺"]
    assert europe.text.startswith("Le gouvernement français lance un appel à projets")
    assert [s.title for s in ai_brew.sections if s.parent == "🇫🇷 & 🇪🇺"] == [
        "A quoi ressemble la chaîne de valeur de l'IA générative en Europe ?"
    ]
    events = by_label["🗓️ Prochains évènements IA"]
    assert events.text.split("\n") == [
        "17/04 - Station F AI X SWES Clubs Meetup",
        "23/04 - Computer Vision Meetup Paris #30",
    ]


def test_ai_brew_drops_navigation_credits_and_dangling_link(ai_brew):
    lines = ai_brew.text.split("\n")
    assert "- AI Brew" not in lines and "- Posts" not in lines
    assert not any(line.startswith("- ") for line in lines)
    assert "Image :" not in ai_brew.text and "Image:" not in ai_brew.text
    assert "Comment le gouvernement veut dénicher" not in ai_brew.text
    assert ai_brew.sections[0].text.startswith("Et aussi : The iPhone of AI")


def test_repository_archive_reads_cleanly():
    issues, skipped = read_archive([ARCHIVE])
    assert skipped == []
    assert [i.id for i in issues] == ["000_4890d60036440a5b"]


# --- ai-weekly-fr (HTML) --------------------------------------------------------------


def test_weekly_corpus_has_the_expected_files():
    assert sorted(p.stem for p in find_issue_files(weekly_root())) == sorted(WEEKLY_DATES)


@pytest.mark.parametrize("stem", sorted(WEEKLY_DATES))
def test_every_weekly_page_parses(stem):
    issue = read_issue(weekly_root() / f"{stem}.html", weekly_root())
    assert issue.date == WEEKLY_DATES[stem]
    assert issue.title.startswith("AI Weekly") and len(issue.title) > len("AI Weekly")
    assert len(issue.sections) >= 5
    items = [s for s in issue.sections if s.parent]
    assert len(items) >= 20
    assert {s.parent.split()[-1] for s in items} >= {"Critique", "Important"}
    assert all(s.title and s.text for s in items)
    assert "{" not in issue.text and "function" not in issue.text and "animation" not in issue.text
    assert issue.language == "fr"


@pytest.mark.parametrize("stem", ["AI_Weekly_Nov23-29_2025_final", "AI_Weekly_Nov30-Dec3_2025_final"])
def test_articles_kept_as_script_data_are_read(stem):
    issue = read_issue(weekly_root() / f"{stem}.html", weekly_root())
    items = [s for s in issue.sections if s.parent]
    assert len(items) == 25
    assert {s.parent for s in items} == {"Critique", "Important", "Bon à Savoir"}
    assert all(s.text.split("\n")[-1].startswith("Source : ") for s in items)


def test_script_data_item_content():
    issue = read_issue(weekly_root() / "AI_Weekly_Nov23-29_2025_final.html", weekly_root())
    first = next(s for s in issue.sections if s.parent)
    assert first.title == "DeepSeek-Math-V2 : révolution en mathématiques formelles"
    assert "685B paramètres" in first.text and first.parent == "Critique"


def test_weekly_article_under_its_category():
    issue = read_issue(weekly_root() / "AI_Weekly_Dec1-6_2025.html", weekly_root())
    item = next(s for s in issue.sections if s.title.startswith("Mistral lance Mistral 3"))
    assert item.parent == "Critique"
    assert item.text.startswith("La startup française dévoile Mistral Large 3")
    assert "02" not in item.text.split("\n")


HTML_PAGE = """<!DOCTYPE html><html><head><title>Lettre IA</title>
<link rel="canonical" href="https://example.org/lettre/12">
<style>.x {{ color: red }}</style><script>var tracking = 1;</script></head>
<body><nav>Accueil | Archives</nav><header><p>Menu du site</p></header>
<h1>Lettre IA</h1><p>{date}</p>
<h2>Actualités</h2>
<article><h3>Mistral publie un modèle</h3><p>Le modèle est ouvert.</p></article>
<article><h3>Été chargé pour les données</h3><p>Les données d'entraînement manquent.</p></article>
<div hidden>texte caché</div><p style="display: none">autre texte caché</p>
<h2>Le mot de la fin</h2><p>Merci à tous.</p>
<footer>Se désabonner</footer></body></html>"""


def test_html_main_text_only(tmp_path):
    path = write(tmp_path / "lettre.html", HTML_PAGE.format(date="27 décembre – 2 janvier 2026"))
    issue = read_issue(path, tmp_path)
    assert issue.title == "Lettre IA – 27 décembre – 2 janvier 2026"
    assert issue.date == "2025-12-27"
    assert issue.url == "https://example.org/lettre/12"
    labels = [s.label for s in issue.sections]
    assert labels == [
        "Actualités › Mistral publie un modèle",
        "Actualités › Été chargé pour les données",
        "Le mot de la fin",
    ]
    for junk in ("Accueil", "Menu du site", "caché", "tracking", "color", "désabonner"):
        assert junk not in issue.text


def test_html_date_from_file_name_or_none(tmp_path):
    named = read_issue(write(tmp_path / "AI_Weekly_Dec1-6_2025.html", HTML_PAGE.format(date="")), tmp_path)
    assert named.date == "2025-12-01"
    unnamed = read_issue(write(tmp_path / "lettre.html", HTML_PAGE.format(date="")), tmp_path)
    assert unnamed.date is None


# --- encodings, Markdown, e-mail --------------------------------------------------------

FRENCH = "Les données de l'été\nL'IA a été entraînée sur des données."


@pytest.mark.parametrize(
    "data",
    [
        FRENCH.encode("cp1252"),
        FRENCH.encode("latin-1"),
        FRENCH.replace("'", "\u2019").encode("cp1252"),
        b"\xef\xbb\xbf" + FRENCH.encode("utf-8"),
        FRENCH.replace("\n", "\r\n").encode("utf-8"),
        FRENCH.encode("utf-16"),
    ],
    ids=["cp1252", "latin-1", "cp1252-curly-quote", "utf-8-bom", "crlf", "utf-16"],
)
def test_text_encodings(tmp_path, data):
    issue = read_issue(write(tmp_path / "issue.txt", data), tmp_path)
    assert issue.title == "Les données de l\u2019été" or issue.title == "Les données de l'été"
    assert "données" in issue.text and "été entraînée" in issue.text
    assert "\ufeff" not in issue.title and "\r" not in issue.text


def test_markdown_with_front_matter(tmp_path):
    text = (
        "---\ndate: 2024-05-03\nurl: https://example.org/42\nnumber: 42\n---\n"
        "# Numéro 42\n\nBonjour.\n\n## News\n\n### OpenAI\n\nUn [lien](https://x.y) et **gras**.\n\n"
        "### Mistral\n\nTexte Mistral.\n\n## Agenda\n\n- 17/04 Meetup\n"
    )
    issue = read_issue(write(tmp_path / "n42.md", text), tmp_path)
    assert (issue.title, issue.date, issue.url, issue.number) == (
        "Numéro 42",
        "2024-05-03",
        "https://example.org/42",
        42,
    )
    assert [(s.title, s.parent) for s in issue.sections] == [
        ("", None),
        ("OpenAI", "News"),
        ("Mistral", "News"),
        ("Agenda", None),
    ]
    assert issue.sections[1].text == "Un lien et gras."


def test_sidecar_overrides_front_matter(tmp_path):
    path = write(
        tmp_path / "a.txt", "---\ndate: 2024-01-01\ntitle: Ancien\n---\nTitre\nUn paragraphe de texte.\n"
    )
    write(tmp_path / "a.meta.yaml", "date: 2024-02\n")
    issue = read_issue(path, tmp_path)
    assert (issue.title, issue.date) == ("Ancien", "2024-02")


EML_ALTERNATIVE = b"""From: AI Brew <news@aibrew.example>
To: reader@example.org
Subject: =?utf-8?q?La_s=C3=A9lection_de_la_semaine?=
Date: Tue, 16 Apr 2024 08:30:00 +0200
List-Post: <https://aibrew.example/p/selection>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset="utf-8"

Version texte seulement.

--b1
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: 8bit

<html><body><h1>AI Brew</h1><h2>News</h2>
<p>Les donn\xc3\xa9es de l'\xc3\xa9t\xc3\xa9 sont arriv\xc3\xa9es.</p></body></html>
--b1--
"""

EML_PLAIN = b"""From: Lettre <lettre@example.org>
Subject: Lettre du lundi
Date: Mon, 15 Apr 2024 23:30:00 -0700
MIME-Version: 1.0
Content-Type: text/plain; charset="%s"
Content-Transfer-Encoding: quoted-printable

Les donn=E9es de l=92=E9t=E9 sont arriv=E9es.
"""


def test_email_prefers_html_part(tmp_path):
    issue = read_issue(write(tmp_path / "brew.eml", EML_ALTERNATIVE), tmp_path)
    assert issue.title == "La sélection de la semaine"
    assert (issue.date, issue.url) == ("2024-04-16", "https://aibrew.example/p/selection")
    assert "Les données de l'été sont arrivées." in issue.text
    assert "Version texte" not in issue.text
    assert issue.sections[0].title == "News"


@pytest.mark.parametrize("charset", [b"windows-1252", b"iso-8859-1"])
def test_email_plain_part_quoted_printable(tmp_path, charset):
    issue = read_issue(write(tmp_path / "lundi.eml", EML_PLAIN % charset), tmp_path)
    assert issue.title == "Lettre du lundi"
    assert issue.date == "2024-04-15"  # the day as written in the header's own time zone
    assert "Les données de l\u2019été sont arrivées." in issue.text


# --- errors and the archive walk ----------------------------------------------------------

BAD_FILES = {
    "empty.txt": (b"", "empty file"),
    "blank.md": (b"  \n\t\n", "empty file"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not text"),
    "noise.html": (bytes(range(1, 32)) * 20, "binary file, not text"),
    "report.pdf": (b"%PDF-1.4", "unsupported file type '.pdf' (expected .txt, .md, .html, .eml)"),
    "styles.html": (
        b"<html><head><style>p{}</style></head><body><script>x()</script></body></html>",
        "no text found in the HTML",
    ),
    "baddate.md": (
        b"---\ndate: 2024-13-45\n---\n# T\ntexte",
        "front matter: date '2024-13-45' is not a real YYYY-MM-DD or YYYY-MM date",
    ),
    "draft.txt": (
        b"---\nauthor: moi\ndraft: true\n---\nTitre\ntexte.",
        "a draft (draft: true in the front matter); it is indexed once it is published",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_raise_input_error(tmp_path, name):
    data, reason = BAD_FILES[name]
    path = write(tmp_path / name, data)
    with pytest.raises(InputError) as caught:
        read_issue(path, tmp_path)
    assert caught.value.path == str(path)
    assert caught.value.reason == reason
    assert str(path) in str(caught.value)


def test_bad_sidecar_date_is_named(tmp_path):
    path = write(tmp_path / "a.txt", "Titre\nTexte de l'issue.\n")
    write(tmp_path / "a.meta.yaml", "date: April 2024\n")
    with pytest.raises(InputError, match=r"metadata file a.meta.yaml: date 'April 2024' is not"):
        read_issue(path, tmp_path)


def test_read_archive_skips_bad_files_and_keeps_good_ones(tmp_path):
    for name, (data, _reason) in BAD_FILES.items():
        write(tmp_path / name, data)
    write(tmp_path / "good.txt", "Bonne issue\nUn paragraphe de texte.\n")
    write(tmp_path / "good.meta.yaml", "date: 2024-04\n")
    write(tmp_path / "sub" / "deeper.md", "# Profonde\n\nTexte.\n")
    write(tmp_path / ".hidden" / "secret.txt", "Secret\ntexte.\n")
    write(tmp_path / ".notes.txt", "Notes\ntexte.\n")
    issues, skipped = read_archive([tmp_path])
    assert [(i.id, i.source, i.date) for i in issues] == [
        ("good", "good.txt", "2024-04"),
        ("sub/deeper", "sub/deeper.md", None),
    ]
    assert sorted((Path(s.path).name, s.reason) for s in skipped) == sorted(
        (n, r) for n, (_d, r) in BAD_FILES.items()
    )


def test_find_issue_files_order_and_filters(tmp_path):
    for name in ("b.txt", "a.md", "a.meta.yaml", "x.meta.json", "sub/c.html", ".git/config", "sub/.d.txt"):
        write(tmp_path / name, "x")
    assert [p.relative_to(tmp_path).as_posix() for p in find_issue_files(tmp_path)] == [
        "a.md",
        "b.txt",
        "sub/c.html",
    ]
    with pytest.raises(InputError, match="archive folder not found"):
        find_issue_files(tmp_path / "missing")


def test_ids_are_unique_across_roots(tmp_path):
    write(tmp_path / "one" / "a.txt", "Premier\nTexte un.\n")
    write(tmp_path / "two" / "a.txt", "Second\nTexte deux.\n")
    write(tmp_path / "two" / "a.md", "# Troisième\n\nTexte trois.\n")
    issues, skipped = read_archive([tmp_path / "one", tmp_path / "two"])
    assert skipped == []
    assert [(i.id, i.source) for i in issues] == [
        ("a", "a.txt"),
        ("two/a", "two/a.md"),
        ("two/a.txt", "two/a.txt"),
    ]
    assert len({i.id for i in issues}) == 3


def test_detect_language():
    assert detect_language("The newsletter covers the latest model releases and research papers.") == "en"
    assert detect_language("La lettre couvre les dernières sorties de modèles et les articles.") == "fr"
    assert detect_language("") == "fr"


def test_issue_number_only_when_stated(tmp_path):
    stated = read_issue(
        write(tmp_path / "a.txt", "AI Brew n°12 : les agents\nUn paragraphe de texte.\n"), tmp_path
    )
    assert stated.number == 12
    unstated = read_issue(write(tmp_path / "b.txt", "Les agents\nUn paragraphe de texte.\n"), tmp_path)
    assert unstated.number is None and unstated.date is None and unstated.url is None


MAIL_PAGE = """<html><body><table><tr><td>
<p><strong>OpenAI lance un modèle</strong></p><p>OpenAI a publié un nouveau modèle ce mardi.</p>
<p><b>Mistral lève des fonds</b></p><p>Mistral annonce une levée de 600 millions d'euros.</p>
</td></tr></table></body></html>"""


def test_html_without_headings_is_split_into_items(tmp_path):
    issue = read_issue(write(tmp_path / "mail.html", MAIL_PAGE), tmp_path)
    assert [(s.title, s.text) for s in issue.sections] == [
        ("OpenAI lance un modèle", "OpenAI a publié un nouveau modèle ce mardi."),
        ("Mistral lève des fonds", "Mistral annonce une levée de 600 millions d'euros."),
    ]
    assert issue.title == "mail"  # the page states no title: the file name stands in
