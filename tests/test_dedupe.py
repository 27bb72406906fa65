"""Folding re-saved issues and stripping boilerplate, on the real corpora and small made-up issues."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from indexer.build.dedupe import duplicate_groups, strip_boilerplate
from indexer.read import read_archive, read_issue
from indexer.records import Issue, Section

REPO = Path(__file__).resolve().parents[1]
AI_BREW = REPO / "archive" / "000_4890d60036440a5b.txt"
LONG_READ = "🔮 OpenAI, YouTube et la quête controversée de données"


def shared_corpora() -> Path:
    """../shared/corpora beside the repository; CI always has it, so its absence is a failure."""
    path = REPO.parent / "shared" / "corpora"
    assert path.is_dir(), f"shared corpora missing at {path}"
    return path


@pytest.fixture(scope="module")
def weekly() -> list[Issue]:
    issues, skipped = read_archive([shared_corpora() / "ai-weekly-fr"])
    assert skipped == [] and len(issues) == 15
    return issues


@pytest.fixture(scope="module")
def everything(weekly) -> list[Issue]:
    return [read_issue(AI_BREW, AI_BREW.parent), *weekly]


def make(source: str, *texts: str, title: str = "Lettre") -> Issue:
    sections = tuple(Section(title=f"Partie {i}", text=t) for i, t in enumerate(texts))
    return Issue(id=source.rsplit(".", 1)[0], source=source, title=title, sections=sections)


def sentence(n: int) -> str:
    words = [
        "modèle",
        "données",
        "agent",
        "puce",
        "startup",
        "régulation",
        "recherche",
        "vidéo",
        "code",
        "robot",
    ]
    return " ".join(f"{words[(n * 7 + k) % 10]}{n}-{k}" for k in range(12)) + "."


def test_distinct_issues_are_distinct_groups():
    issues = [make(f"n{k}.txt", *[sentence(100 * k + n) for n in range(10)]) for k in range(4)]
    assert len(set(duplicate_groups(issues))) == 4


def test_the_prefix_filter_misses_no_pair_that_scores_as_the_same_issue():
    """Issues sharing 0 to 100% of their sentences: every pair the brute force finds at or above
    SAME_ISSUE is grouped, and no pair below it is (checked against all pairs)."""
    import random

    from indexer.build.dedupe import SAME_ISSUE, _common_free, _groups, fingerprint, similarity

    rng = random.Random(3)
    pool = [sentence(n) for n in range(400)]
    issues = []
    for k in range(40):
        base = rng.sample(pool, 12)
        issues.append(make(f"a{k}.txt", *base))
        kept = rng.randint(0, 12)  # a copy keeping `kept` of the 12 sentences, the rest new
        issues.append(make(f"b{k}.txt", *base[:kept], *[sentence(1000 + 20 * k + j) for j in range(12 - kept)]))
    sets = _common_free([fingerprint(i).shingles for i in issues])
    groups = _groups(sets)
    for a, b in combinations(range(len(issues)), 2):
        if similarity(sets[a], sets[b]) >= SAME_ISSUE:
            assert groups[a] == groups[b], (issues[a].source, issues[b].source)
    together = {(a, b) for a, b in combinations(range(len(issues)), 2) if groups[a] == groups[b]}
    assert together and all(similarity(sets[a], sets[b]) >= SAME_ISSUE or _linked(a, b, sets) for a, b in together)


def _linked(a: int, b: int, sets) -> bool:
    from indexer.build.dedupe import SAME_ISSUE, similarity

    return any(similarity(sets[a], sets[c]) >= SAME_ISSUE and similarity(sets[c], sets[b]) >= SAME_ISSUE for c in range(len(sets)))


def test_a_remembered_fingerprint_strips_exactly_like_a_fresh_one(everything):
    from indexer.build.dedupe import Fingerprint, fingerprint

    remembered = {i.id: Fingerprint.decode(fingerprint(i).encode()) for i in everything}
    assert strip_boilerplate(everything, fingerprint=lambda issue: remembered[issue.id]) == strip_boilerplate(everything)


# --- strip_boilerplate ----------------------------------------------------------------


def test_ai_brew_keeps_its_news_and_loses_its_greetings(everything):
    before = everything[0]
    after = strip_boilerplate(everything)[0]
    by_label = {s.label: s for s in before.sections}
    kept = {s.label: s for s in after.sections}
    assert kept[LONG_READ].text == by_label[LONG_READ].text
    for section in before.sections:
        if section.parent in ("📢 News", LONG_READ, "🇫🇷 & 🇪🇺"):
            assert kept[section.label].text == section.text
    lines = after.text.split("\n")
    for gone in ("Hello 👋", "Bonne lecture !", "Pierre + 🤖"):
        assert gone in before.text.split("\n") and gone not in lines
    assert "🙏 Merci de nous lire. À la prochaine !" not in kept
    assert kept[""].text.startswith("Et aussi : The iPhone of AI")


def test_weekly_furniture_goes_and_every_article_summary_stays(everything):
    stripped = strip_boilerplate(everything)
    for before, after in zip(everything, stripped, strict=False):
        text = after.text
        for furniture in (
            "Design by Dagorsey & Claude",
            "by Dagorsey & Claude",
            "Les sources sont disponibles à la fin de la newsletter",
        ):
            assert furniture not in text.split("\n")
        for section in before.sections:
            if section.parent:
                summary = section.text.split("\n")[0]
                assert summary in text, (before.source, section.title)


def test_resaved_copies_do_not_turn_their_content_into_boilerplate(weekly):
    final = next(i for i in weekly if i.source == "AI_Weekly_Nov23-29_2025_final.html")
    copies = [final, *(i for i in weekly if i.source == "AI_Weekly_Nov23-29_2025_v2.html")]
    summary = final.sections[1].text.split("\n")[0]
    stripped = strip_boilerplate([*copies, make("other.txt", sentence(1)), make("third.txt", sentence(2))])
    assert summary in stripped[0].text and summary in stripped[1].text


def test_lines_repeated_across_distinct_issues_are_removed():
    shared = "Cette lettre est écrite par notre équipe."
    issues = [make(f"n{k}.txt", f"{sentence(k)}\n{shared}") for k in range(4)]
    for k, issue in enumerate(strip_boilerplate(issues)):
        assert issue.sections[0].text == sentence(k)


def test_a_single_issue_repeats_nothing():
    issue = make("only.txt", "Une phrase qui revient.\nUne phrase qui revient.")
    assert strip_boilerplate([issue]) == [issue]


def test_subscription_and_sponsor_patterns_but_not_news_about_them():
    issue = Issue(
        id="n1",
        source="n1.txt",
        title="Lettre",
        sections=(
            Section(
                "Actus",
                "Publicité ciblée : Meta condamnée à une amende.\nSe désabonner\nAbonnez-vous !\nSponsored by Acme",
            ),
            Section("Sponsorisé", "Essayez Acme, l'outil qui fait tout."),
            Section("Fin", "À la semaine prochaine !\nL'équipe Lettre\nUn dernier mot sur les puces."),
        ),
    )
    (after,) = strip_boilerplate([issue])
    assert [s.title for s in after.sections] == ["Actus", "Fin"]
    assert after.sections[0].text == "Publicité ciblée : Meta condamnée à une amende."
    assert after.sections[1].text == "Un dernier mot sur les puces."
