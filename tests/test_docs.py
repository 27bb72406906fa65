"""The README stays true: its commands are the ones CI and the CLI run, its settings the ones read."""

from __future__ import annotations

import re

from indexer.cli import _parser
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = "bash .ci/setup.sh --tests && .venv/bin/python -m pytest"
MAIN_COMMAND = "bash .ci/setup.sh && .venv/bin/python -m indexer rebuild && .venv/bin/streamlit run search_app/app.py"


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    assert f"```bash\n{MAIN_COMMAND}\n```" in README
    assert f"```bash\n{TEST_COMMAND}\n```" in README
    assert TEST_COMMAND in (REPO / ".ci" / "run").read_text()


def test_readme_documents_every_cli_command_and_option():
    commands = _parser()._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        usage = " ".join(line for line in README.splitlines() if line.startswith(f"python -m indexer {name} "))
        assert usage, f"README has no usage line for {name}"  # a command with two forms has two lines
        for action in sub._actions:
            for flag in action.option_strings:
                assert flag in usage or flag in ("-h", "--help"), f"{name} {flag} missing from the README"


def test_readme_documents_every_environment_variable():
    used = set()
    for path in list((REPO / "indexer").rglob("*.py")) + list((REPO / "search_app").rglob("*.py")):
        used |= set(re.findall(r"AIBREW_[A-Z_]+", path.read_text(encoding="utf-8")))
    used.discard("AIBREW_")
    assert used, "no settings found"
    missing = sorted(v for v in used if v not in README)
    assert not missing, f"settings not in the README: {missing}"


def test_readme_has_no_unfilled_benchmark_placeholders():
    assert not re.findall(r"BENCH_[A-Z]+", README)


def test_readme_screenshots_exist_and_include_a_phone():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README)
    assert "docs/phone.png" in images and "docs/answer.png" in images and "docs/landing.png" in images
    assert all((REPO / image).is_file() for image in images), images  # written by tests/test_browser.py
