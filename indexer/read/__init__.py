"""Reading archive files into `Issue` records: one reader per format, metadata, languages.

`find_issue_files` lists an archive, `read_issue` reads one file (raising InputError with
a short reason), `read_archive` reads several archives and collects what it skips.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from indexer.errors import InputError, printable_path
from indexer.read.decode import decode_bytes, read_bytes
from indexer.read.eml import parse_email
from indexer.read.html import parse_html
from indexer.read.lang import detect_language
from indexer.read.files import list_archive
from indexer.read.lines import Parsed, clip, number_in_title
from indexer.read.markdown import parse_markdown
from indexer.read.meta import read_sidecar, split_front_matter
from indexer.read.text import parse_text
from indexer.records import Issue, Section, Skipped

__all__ = ["find_issue_files", "read_archive", "read_issue", "read_one", "unique_issue"]

MAX_FILE_BYTES = 20 * 1024 * 1024  # an issue is a few hundred KB at most; bigger files are skipped
MAX_TITLE_CHARS = 300  # issue and section titles are embedded with each passage
INTERNAL = "could not be read: internal error"

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
    they are skipped. A missing root is an InputError. See `files.list_archive`, which also
    says what could not be listed."""
    return list_archive(root).files


def read_issue(path: Path, root: Path, *, detect: Callable[[str], str] = detect_language) -> Issue:
    """Read one issue file. Its id is its path relative to `root` without the extension,
    its source that path with the extension. Front matter, then the sidecar, override what
    the file itself states; `detect` gives the language when neither states it. Raises InputError for an unreadable, empty, binary, unparseable
    or unsupported file, or one with no section of text."""
    path, root = Path(path), Path(root)
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(path, "the file name is not valid UTF-8; rename the file") from None
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        shown = path.suffix or "(none)"
        raise InputError(path, f"unsupported file type '{shown}' (expected {_EXPECTED})")
    data = read_bytes(path, limit=MAX_FILE_BYTES)
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


def read_one(path: Path, root: Path, *, detect: Callable[[str], str] = detect_language) -> Issue | Skipped:
    """`read_issue`, with any failure turned into a Skipped with a one-line reason, so that
    one bad file never stops a rebuild."""
    try:
        return read_issue(path, root, detect=detect)
    except InputError as exc:
        return Skipped(path=exc.path, reason=exc.reason)
    except RecursionError:
        return Skipped(path=printable_path(path), reason="nested too deeply to read (over ~900 levels of elements)")
    except MemoryError:
        return Skipped(path=printable_path(path), reason="too large to read in memory")
    except Exception as exc:  # noqa: BLE001 - a reader bug must cost one file, not the rebuild
        line = (str(exc).strip().splitlines() or [""])[0][:200]
        return Skipped(path=printable_path(path), reason=f"{INTERNAL} ({type(exc).__name__}: {line}); please report it")


def read_archive(roots: Sequence[Path], *, detect: Callable[[str], str] = detect_language,
                 read: Callable[[Path, Path], Issue | Skipped] | None = None) -> tuple[list[Issue], list[Skipped]]:
    """All issues of all `roots`, and the files skipped with their reasons. Ids and sources
    are unique (`unique_issue`). `read(path, root)` reads each file (by default `read_one`)."""
    read = read or (lambda path, root: read_one(path, root, detect=detect))
    issues: list[Issue] = []
    skipped: list[Skipped] = []
    ids: set[str] = set()
    sources: set[str] = set()
    for given in map(Path, roots):
        listing = list_archive(given)
        root = listing.root
        skipped += listing.skipped
        root_ids: set[str] = set()
        for path in listing.files:
            issue = read(path, root)
            if isinstance(issue, Skipped):
                skipped.append(issue)
                continue
            unique = unique_issue(issue, root, ids, sources, same_stem=issue.id in root_ids)
            root_ids.add(issue.id)
            ids.add(unique.id)
            sources.add(unique.source)
            issues.append(unique)
    return issues, skipped


def _issue(path: Path, root: Path, parsed: Parsed, meta: dict, kind: str, detect: Callable[[str], str]) -> Issue:
    sections = tuple(_bounded(s) for s in parsed.sections if s.text.strip())
    if not sections:
        what = {"html": "the HTML", "email": "the e-mail"}.get(kind, "the file")
        raise InputError(path, f"no text found in {what}")
    source = _relative(path, root)
    title = clip(meta.get("title") or parsed.title or path.stem, MAX_TITLE_CHARS)
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


def _bounded(section: Section) -> Section:
    """Section titles are embedded with every passage of the section: keep them short."""
    title, parent = clip(section.title, MAX_TITLE_CHARS), section.parent and clip(section.parent, MAX_TITLE_CHARS)
    return section if (title, parent) == (section.title, section.parent) else replace(section, title=title, parent=parent)


def unique_issue(issue: Issue, root: Path, ids: set[str], sources: set[str], *, same_stem: bool) -> Issue:
    """`issue` with an id and source that `ids` and `sources` (those read before) do not hold: a
    file whose stem an earlier file of its root has (a.md, then a.txt: `same_stem`) keeps its
    extension in its id; an id or source an earlier root took gets this root's folder name as
    prefix ("two/a", "two/a.txt"), then "~2", "~3"... until the id is free."""
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
