"""Reading archive files into `Issue` records: one reader per format, metadata, languages.

`find_issue_files` lists an archive, `read_issue` reads one file (raising InputError with
a short reason), `read_archive` reads several archives and collects what it skips.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from indexer.errors import InputError
from indexer.read.decode import decode_bytes, read_bytes
from indexer.read.eml import parse_email
from indexer.read.html import parse_html
from indexer.read.lang import detect_language
from indexer.read.lines import Parsed, number_in_title
from indexer.read.markdown import parse_markdown
from indexer.read.meta import is_sidecar, read_sidecar, split_front_matter
from indexer.read.text import parse_text
from indexer.records import Issue, Skipped

__all__ = ["find_issue_files", "read_archive", "read_issue"]

SUFFIXES = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".eml": "email",
}
_EXPECTED = ".txt, .md, .html, .eml"


def find_issue_files(root: Path) -> list[Path]:
    """Issue files under `root` (recursive, sorted), without hidden files or folders and
    without metadata sidecars. Files of unknown types are listed: reading them says why
    they are skipped. A missing root is an InputError."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError(root, "archive folder not found")
    files = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts) and not is_sidecar(path):
            files.append(path)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def read_issue(path: Path, root: Path, *, detect: Callable[[str], str] = detect_language) -> Issue:
    """Read one issue file. Its id is its path relative to `root` without the extension,
    its source that path with the extension. Front matter, then the sidecar, override what
    the file itself states; `detect` gives the language when neither states it. Raises InputError for an unreadable, empty, binary, unparseable
    or unsupported file, or one with no section of text."""
    path, root = Path(path), Path(root)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        shown = path.suffix or "(none)"
        raise InputError(path, f"unsupported file type '{shown}' (expected {_EXPECTED})")
    data = read_bytes(path)
    text = decode_bytes(data, path)
    meta: dict = {}
    if kind == "email":
        parsed = parse_email(data, path)
    elif kind == "html":
        parsed = parse_html(text, path.stem)
    else:
        meta, text = split_front_matter(text, path)
        parsed = parse_markdown(text) if kind == "markdown" else parse_text(text)
    meta.update(read_sidecar(path))
    return _issue(path, root, parsed, meta, kind, detect)


def read_archive(roots: Sequence[Path], *, detect: Callable[[str], str] = detect_language) -> tuple[list[Issue], list[Skipped]]:
    """All issues of all `roots`, and the files skipped with their reasons. Ids and sources
    are unique: two files of one root with the same stem (a.md, a.txt) keep the extension in
    the later one's id; an id or source already taken by an earlier root gets the later
    root's folder name as prefix ("two/a", "two/a.txt")."""
    issues: list[Issue] = []
    skipped: list[Skipped] = []
    ids: set[str] = set()
    sources: set[str] = set()
    for root in map(Path, roots):
        root_ids: set[str] = set()
        for path in find_issue_files(root):
            try:
                issue = read_issue(path, root, detect=detect)
            except InputError as exc:
                skipped.append(Skipped(path=exc.path, reason=exc.reason))
                continue
            unique = _unique(issue, root, ids, sources, same_stem=issue.id in root_ids)
            root_ids.add(issue.id)
            ids.add(unique.id)
            sources.add(unique.source)
            issues.append(unique)
    return issues, skipped


def _issue(path: Path, root: Path, parsed: Parsed, meta: dict, kind: str, detect: Callable[[str], str]) -> Issue:
    sections = tuple(s for s in parsed.sections if s.text.strip())
    if not sections:
        what = {"html": "the HTML", "email": "the e-mail"}.get(kind, "the file")
        raise InputError(path, f"no text found in {what}")
    source = _relative(path, root)
    title = meta.get("title") or parsed.title or path.stem
    issue = Issue(
        id=str(PurePosixPath(source).with_suffix("")),
        source=source,
        title=title,
        sections=sections,
        date=meta.get("date", parsed.date),
        url=meta.get("url", parsed.url),
        number=meta.get("number", parsed.number or number_in_title(title)),
    )
    return replace(issue, language=meta.get("language") or detect(f"{title}\n{issue.text}"))


def _unique(issue: Issue, root: Path, ids: set[str], sources: set[str], *, same_stem: bool) -> Issue:
    new_id, source = (issue.source if same_stem else issue.id), issue.source
    if new_id in ids or source in sources:
        name = root.resolve().name or "archive"
        new_id, source = f"{name}/{new_id}", f"{name}/{source}"
    base, n = new_id, 2
    while new_id in ids:
        new_id, n = f"{base}~{n}", n + 1
    return replace(issue, id=new_id, source=source)


def _relative(path: Path, root: Path) -> str:
    for p, r in ((path, root), (path.resolve(), root.resolve())):
        try:
            return p.relative_to(r).as_posix()
        except ValueError:
            continue
    return path.name
