"""The stage packages stay layered: each imports only the floors below it, and no import cycles.

Floors, bottom to top (docs/design.md, "The layers"):
  shared records (`records`, `errors`, `config`, `terminal`, the package itself)
  < text < read < build, sync (side by side, never each other) < search < answer
  < engine < measure < the front doors (`cli`, `cli_sync`, `__main__`).
Every import counts, lazy ones inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "indexer"

SHARED = {"indexer", "indexer.records", "indexer.errors", "indexer.config", "indexer.terminal"}
FLOORS = {
    "text": 1,
    "read": 2,
    "build": 3,
    "sync": 3,
    "search": 4,
    "answer": 5,
    "engine": 6,
    "measure": 7,
}
FRONT_DOORS = {"indexer.cli", "indexer.cli_sync", "indexer.__main__"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> set[str]:
    """Every `indexer` module this file imports, at top level or inside a function."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from indexer.read import lines` names a module; `from indexer.read import read_one` does not
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                if (root.parent / Path(*candidate.split("."))).with_suffix(".py").exists():
                    found.add(candidate)
    return {m for m in found if m == root.name or m.startswith(root.name + ".")}


def floor(module: str) -> tuple[str, int]:
    """(stage, floor) of a module: shared records are floor 0."""
    if module in SHARED:
        return "shared", 0
    if module in FRONT_DOORS:
        return "front doors", 8
    stage = module.split(".")[1]
    return stage, FLOORS[stage]


def graph(root: Path) -> dict[str, set[str]]:
    return {module_name(p, root): imports_of(p, root) for p in sorted(root.rglob("*.py"))}


def violations(root: Path) -> list[str]:
    """Each import that reaches a floor not below its own (other than its own stage)."""
    found = []
    for module, imported in graph(root).items():
        stage, level = floor(module)
        for target in sorted(imported):
            other, other_level = floor(target)
            if other == stage:
                continue
            if other_level >= level:
                found.append(f"{module} imports {target} ({other}, floor {other_level} >= {level})")
    return found


def cycles(root: Path) -> list[list[str]]:
    """Import cycles between modules (a package's `__init__` counts as its own module)."""
    edges = graph(root)
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(edges.get(module, ())):
            if target == module:
                continue
            if state.get(target) == 1:
                found.append(stack[stack.index(target):] + [target])
            elif target in edges and target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)
    return found


def test_every_module_stands_on_a_known_floor():
    for module in graph(ROOT):
        floor(module)  # KeyError names a module outside the stages and the shared records


def test_no_package_imports_one_above_it():
    assert violations(ROOT) == []


def test_no_import_cycles():
    assert cycles(ROOT) == []


def test_only_front_doors_and_shared_records_at_the_top():
    top = {p.stem for p in ROOT.glob("*.py")}
    assert top == {"__init__", "__main__", "cli", "cli_sync", "config", "engine", "errors", "records", "terminal"}


def test_every_stage_says_what_it_takes_and_gives():
    for stage in ("text", "read", "build", "search", "answer", "measure", "sync"):
        doc = ast.get_docstring(ast.parse((ROOT / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 15, stage


def test_the_checker_catches_an_upward_import_and_a_cycle(tmp_path):
    fake = tmp_path / "indexer"
    for stage in ("text", "answer"):
        (fake / stage).mkdir(parents=True)
        (fake / stage / "__init__.py").write_text('"""doc"""\n')
    (fake / "__init__.py").write_text("")
    (fake / "records.py").write_text("")
    (fake / "text" / "words.py").write_text("def f():\n    from indexer.answer.compose import g\n")
    (fake / "answer" / "compose.py").write_text("from indexer.text.words import f\n")
    assert violations(fake) == ["indexer.text.words imports indexer.answer.compose (answer, floor 5 >= 1)"]
    assert cycles(fake) == [["indexer.answer.compose", "indexer.text.words", "indexer.answer.compose"]]
