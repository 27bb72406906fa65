"""What the sync tests share: the fixture server fixtures, running sync (in this process or as the
real command), looking at the archive, and building small feeds and API pages for one case."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.read import find_issue_files, read_archive
from indexer.sync.http import HttpSettings
from indexer.sync.run import sync_archive
from indexer.sync.sources import parse_source
from tests.conftest import REPO
from tests.sync_server import API_KEY, FixtureServer

FAST = HttpSettings(timeout=5, retries=2, backoff=0.05)
RSS_TYPE = "application/rss+xml; charset=utf-8"
JSON_TYPE = "application/json"


@pytest.fixture
def server():
    with FixtureServer() as fixture_server:
        fixture_server.serve_site()
        yield fixture_server


@pytest.fixture
def api_env(server, monkeypatch):
    monkeypatch.setenv("AIBREW_BEEHIIV_API_KEY", API_KEY)
    monkeypatch.setenv("AIBREW_BEEHIIV_API_URL", f"{server.base}/v2")
    return {**os.environ, "HF_HUB_OFFLINE": "1"}


def sync(*specs: str, archive: Path, settings: HttpSettings = FAST, **options):
    return sync_archive([parse_source(s) for s in specs], archive, settings=settings, **options)


def cli(*args: str, env: dict | None = None, cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**(env or os.environ), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)})


def untimed(stdout: str) -> list[str]:
    """The summary's lines without the time each source took (`[ok] in 0.3 s` reads `[ok]`)."""
    return [re.sub(r"(\[(?:ok|FAILED)\]) in \d+\.\d s$", r"\1", line) for line in stdout.splitlines()]


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (the manifest and lock included)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "lock"}


def issue_files(folder: Path) -> list[str]:
    """The issue files the indexer would read (hidden temporary files are not among them)."""
    return [p.name for p in find_issue_files(folder)] if folder.is_dir() else []


def indexed(folder: Path) -> dict[str, str]:
    """{file: text} of every issue a rebuild would index; fails if the reader skips any file."""
    issues, skipped = read_archive([folder])
    assert not skipped, [(s.path, s.reason) for s in skipped]
    return {i.source: i.text for i in issues}


def rss(*items: dict, extra: str = "") -> str:
    """An RSS 2.0 feed of `items` (title, guid, link, date 'Mon, 10 Jun 2024 06:00:00 +0000', content, description)."""
    out = []
    for item in items:
        parts = [f"<title>{html.escape(item['title'])}</title>"]
        if item.get("guid"):
            parts.append(f'<guid isPermaLink="false">{html.escape(item["guid"])}</guid>')
        if item.get("link"):
            parts.append(f"<link>{html.escape(item['link'])}</link>")
        parts.append(f"<pubDate>{item.get('date', 'Mon, 10 Jun 2024 06:00:00 +0000')}</pubDate>")
        if item.get("description"):
            parts.append(f"<description>{html.escape(item['description'])}</description>")
        if item.get("content"):
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        out.append("<item>" + "".join(parts) + "</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>' + extra +
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>AI Brew</title>'
            f'<link>https://aibrew.example/</link><language>fr</language>{"".join(out)}</channel></rss>')


def rebuilt(reply) -> None:
    """Make a served feed's bytes new (a new lastBuildDate), so that the next sync reads its items again."""
    reply.body = reply.body.replace("<title>AI Brew</title>", "<title>AI Brew</title><lastBuildDate>Tue, 11 Jun 2024 06:00:00 +0000</lastBuildDate>", 1)


def api_post(n: int | str, title: str, body: str, **fields) -> dict:
    """One beehiiv API post: id post_<n>, published 2024-06-10, its free web content `body`."""
    return {"id": f"post_{n}", "title": title, "subtitle": "", "slug": f"post-{n}", "web_url": f"https://aibrew.example/p/post-{n}",
            "publish_date": 1718000000, "content_tags": [], "status": "confirmed",
            "content": {"free": {"web": f'<html><body><div id="content-blocks">{body}</div></body></html>'}}} | fields


def api_page(posts: list, **fields) -> str:
    return json.dumps({"data": posts, "limit": 100, "page": 1, "total_pages": 1} | fields)


def paragraph(words: str) -> str:
    """A paragraph long enough to be read as an issue's text."""
    return f"<p>{words} : la rédaction d'AI Brew résume ce que cette annonce change pour les entreprises européennes.</p>"
