"""Nothing above the engine package imports Whoosh or a module of the Whoosh engine
(issue 16): everything else reaches an engine through search.engine's contract."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WHOOSH_PACKAGE = REPO / "search" / "engine" / "whoosh"
# The factory picks the implementation, and old indexes' pickles name moved classes.
ALLOWED = {REPO / "search" / "engine" / "__init__.py", REPO / "search" / "schema.py"}


def _imported(path: Path) -> set[str]:
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_no_module_outside_the_whoosh_engine_imports_whoosh():
    offenders = {}
    for folder in ("search", "web"):  # scripts/bench measures the Whoosh engine itself
        for path in (REPO / folder).rglob("*.py"):
            if WHOOSH_PACKAGE in path.parents or path in ALLOWED:
                continue
            bad = sorted(m for m in _imported(path)
                         if m == "whoosh" or m.startswith("whoosh.") or m.startswith("search.engine.whoosh"))
            if bad:
                offenders[str(path.relative_to(REPO))] = bad
    assert offenders == {}
