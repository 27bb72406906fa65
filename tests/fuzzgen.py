"""A seeded generator of hostile archive files, for the fuzz test and `benchmarks/bench_fuzz.py`.

`generate(folder, n, seed)` writes `n` files (and some sidecars) and returns their paths. Same
seed, same files. The kinds: random bytes, mutated real issues (the AI Brew issue and the
ai-weekly-fr pages), deeply nested or huge-attribute HTML, odd encodings, hostile YAML front
matter and sidecars, hostile e-mail, control characters and terminal escapes, pathological
Markdown and text.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path
from typing import Callable

from tests.conftest import AI_WEEKLY, ARCHIVE

SUFFIXES = (".txt", ".md", ".html", ".htm", ".eml", ".markdown")
_WORDS = "le la les un une IA OpenAI modèle données entraînement YouTube robot Mistral agent GPU loi Europe".split()


def _seeds() -> list[bytes]:
    files = sorted(ARCHIVE.glob("*.txt")) + sorted(AI_WEEKLY.glob("*.html"))
    return [f.read_bytes() for f in files]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def random_bytes(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    size = rng.choice([0, 1, 3, 64, 1024, 20_000])
    return rng.choice(SUFFIXES), rng.randbytes(size)


def mutated(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    seed = rng.choice(seeds)
    at = rng.randrange(len(seed))
    data = bytearray(seed[: rng.choice([2_000, 8_000, 30_000])] if rng.random() < 0.5 else seed[at : at + rng.choice([2_000, 8_000, 30_000])])
    for _ in range(rng.randint(1, 40)):
        op, at = rng.randrange(5), rng.randrange(max(len(data), 1))
        if op == 0:  # flip bytes
            for i in range(at, min(at + rng.randint(1, 16), len(data))):
                data[i] = rng.randrange(256)
        elif op == 1:  # cut
            del data[at : at + rng.randint(1, 5000)]
        elif op == 2:  # insert random bytes
            data[at:at] = rng.randbytes(rng.randint(1, 200))
        elif op == 3:  # duplicate a region
            data[at:at] = data[at : at + rng.randint(1, 3000)]
        else:  # insert markup or escapes
            data[at:at] = rng.choice([b"<div>", b"</p>", b"<h2>", b"\x1b[2J", b"\x00", b"---\n", b"\r", b"\xef\xbb\xbf", b"<!--"])
    if rng.random() < 0.3:
        data = data[: rng.randrange(len(data) + 1)]
    return rng.choice((".html", ".txt", ".md", ".htm")), bytes(data)


def nested_html(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    depth = rng.choice([50, 500, 900, 1500, 5000, 20_000])
    tag = rng.choice(["div", "span", "b", "section", "article", "li", "table", "h2"])
    inner = f"<h2>{_words(rng, 4)}</h2><p>{_words(rng, 30)}.</p>" if rng.random() < 0.7 else _words(rng, 20)
    closing = f"</{tag}>" * depth if rng.random() < 0.5 else ""
    return ".html", f"<html><body>{f'<{tag}>' * depth}{inner}{closing}</body></html>".encode()


def huge_attributes(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    value = rng.choice(["x", "é", "\"'<>", "display:none;"]) * rng.choice([2_000, 30_000])
    attrs = " ".join(f'data-a{i}="{i}"' for i in range(rng.choice([1, 2000])))
    head = f'<title>{"T" * rng.choice([10, 30_000])}</title><meta name="date" content="{value[:50_000]}">'
    body = f'<h1 title="{value}">{_words(rng, 5)}</h1><p {attrs} style="{value}">{_words(rng, 40)}.</p>'
    return ".html", f"<html><head>{head}</head><body>{body}</body></html>".encode()


def odd_encoding(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    text = rng.choice(seeds).decode("utf-8", "replace")[: rng.choice([200, 5000, 20_000])]
    encoding = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "shift_jis", "koi8-r", "utf-7", "gb18030"])
    data = text.encode(encoding, "replace")
    if rng.random() < 0.3:  # a broken sequence in the middle
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice([b"\xc3", b"\xff\xfe", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]) + data[at:]
    return rng.choice((".txt", ".md", ".html")), data


def _bomb(levels: int) -> str:
    lines = ["title:", '  - &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"  - &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines)


def hostile_yaml(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    front = rng.choice([
        _bomb(rng.choice([3, 10])),
        "title: [a, b]", "title: {x: 1}", "language: [fr]", "url: {a: b}", "date: [2024]", "date: 2024-13-45",
        "date: 2024-02-30", "number: 1e400", "number: .inf", "number: -5", "number: 99999999999999999999999",
        "title: !!python/object/apply:os.system ['echo pwned']", "title: !!binary aGVsbG8=", "title: " + "x" * 100_000,
        "title: " + "[" * 5000 + "]" * 5000, "? [a, b]\n: c", "<<: {title: merged}", "title: a\ntitle: b", "\ttitle: tab",
        "title: 'unterminated", "{", "- a\n- b", "title: \x1b]0;owned\x07 \x1b[2J", "unknown: 1", "number: true", "date: 2024-04",
        "title: ok\ndate: 2024-04-17\nnumber: 12\nurl: https://example.org\nlanguage: fr",
    ])
    body = "# " + _words(rng, 5) + "\n\n" + _words(rng, 60) + ".\n"
    return rng.choice((".md", ".txt")), f"---\n{front}\n---\n{body}".encode("utf-8", "surrogatepass")


def _eml(headers: dict[str, str], body: bytes, content_type: str = "text/plain; charset=utf-8", cte: str | None = None) -> bytes:
    head = "".join(f"{k}: {v}\n" for k, v in headers.items()) + f"Content-Type: {content_type}\n"
    head += f"Content-Transfer-Encoding: {cte}\n" if cte else ""
    return head.encode("utf-8", "replace") + b"\n" + body


def hostile_email(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    text = _words(rng, 80) + ".\n\n" + _words(rng, 80) + "."
    headers = {"From": "brew@example.org", "Subject": _words(rng, 5), "Date": "Wed, 17 Apr 2024 08:00:00 +0200"}
    choice = rng.randrange(9)
    if choice == 0:
        headers["Subject"] = "S" * rng.choice([10_000, 200_000])
    elif choice == 1:
        headers["Date"] = rng.choice(["garbage", "Mon, 99 Foo 99999 99:99:99", "", "Wed, 17 Apr 10000000000 08:00:00 +9999"])
    elif choice == 2:
        return ".eml", _eml(headers, b"!!!not base64 at all###\n", cte="base64")
    elif choice == 3:
        return ".eml", _eml(headers, base64.encodebytes(text.encode())[: rng.randrange(200)], cte="base64")
    elif choice == 4:
        return ".eml", _eml(headers, b"=ZZ=\n=E9t=E9 " * 50 + text.encode(), cte="quoted-printable")
    elif choice == 5:
        depth = rng.choice([5, 50, 500])
        parts = b"".join(f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n".encode() for i in range(depth))
        return ".eml", _eml(headers, parts + text.encode(), content_type="multipart/mixed; boundary=b0")
    elif choice == 6:
        return ".eml", _eml(headers, text.encode("latin-1", "replace"), content_type="text/plain; charset=x-unknown-42")
    elif choice == 7:
        headers["Subject"] = "=?utf-8?b?" + "!!!" * 100 + "?= =?x-bad?q?=FF=FE?="
    else:
        return ".eml", _eml(headers, f"<html><body>{'<div>' * 3000}{text}</body></html>".encode(), content_type="text/html")
    return ".eml", _eml(headers, text.encode())


def control_text(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    hostile = rng.choice(["\x1b]0;pwned\x07", "\x1b[2J", "\x9b31m", "\u202e", "\x08" * 20, "\r", "\u2028", "\ufeff", "\x00"])
    lines = [_words(rng, rng.randint(3, 30)) + hostile for _ in range(rng.randint(1, 30))]
    return rng.choice((".txt", ".md")), "\n".join(lines).encode("utf-8", "surrogatepass")


def pathological_text(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    kind = rng.randrange(6)
    if kind == 0:
        text = _words(rng, 10)  # one line
    elif kind == 1:
        text = "x" * rng.choice([10_000, 100_000])  # one giant word
    elif kind == 2:
        text = "\n".join("🔮 " + _words(rng, 3) for _ in range(2000))  # headings only
    elif kind == 3:
        text = "> " * 5000 + _words(rng, 20) + "\n" + "  " * 3000 + "- item\n" + "#" * 1000 + " t\n"
    elif kind == 4:
        text = ("- " + _words(rng, 4) + "\n") * 2000
    else:
        text = ("a. " * 20_000) + "\n\n" + ("(" * 10_000) + "[" * 10_000 + "](" * 5000
    return rng.choice((".txt", ".md", ".markdown")), text.encode()


KINDS: list[Callable[[random.Random, list[bytes]], tuple[str, bytes]]] = [
    random_bytes, mutated, mutated, mutated, nested_html, huge_attributes, odd_encoding, hostile_yaml, hostile_yaml,
    hostile_email, hostile_email, control_text, pathological_text,
]


BIG_KINDS = ("huge attributes", "giant words", "long lines")


def big_page(kind: str, size: int) -> bytes:
    """An HTML page of about `size` bytes made of one pathological pattern, repeated: attributes
    whose quotes break the markup (their text spills into the page), 100,000-character words, or
    20,000-word lines with no full stop. What reading and cutting it costs should grow with `size`."""
    rng = random.Random(0)
    if kind == "huge attributes":
        unit = f'<p data-x="{chr(34) + chr(39) + "<>" * 2000}" style="{"x" * 8000}">{_words(rng, 40)}.</p>\n'
    elif kind == "giant words":
        unit = f"<p>{'x' * 100_000}</p>\n"
    elif kind == "long lines":
        unit = f"<p>{_words(rng, 20_000)}</p>\n"
    else:
        raise ValueError(f"kind must be one of {BIG_KINDS}")
    body = unit * (size // len(unit) + 1)
    return f"<html><head><title>Page</title></head><body><h1>Titre</h1>{body}</body></html>".encode()


def generate(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """Write `n` hostile issue files into `folder` (about one in twenty with a hostile sidecar)."""
    rng, seeds, paths = random.Random(seed), _seeds(), []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        kind = KINDS[i % len(KINDS)] if i < len(KINDS) else rng.choice(KINDS)
        suffix, data = kind(rng, seeds)
        path = folder / f"{i:05d}_{kind.__name__}{suffix}"
        path.write_bytes(data)
        if rng.random() < 0.05:
            sidecar = rng.choice(["title: [a]", _bomb(10), "{", '{"title": {"a": 1}}', "number: 1e999", "title: ok"])
            path.with_name(path.stem + rng.choice([".meta.yaml", ".meta.json"])).write_text(sidecar)
        paths.append(path)
    return paths
