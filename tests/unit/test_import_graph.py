"""The packages import each other without a circle, and only the composition root
(dashboard/app.py) reaches the pages and callbacks.  Read from the source (AST), so
imports under TYPE_CHECKING and inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dashboard", "callbacks", "layouts")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it names in any import statement."""
    files = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from its package
                    base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                # "from dashboard import state" names the submodule dashboard.state
                targets.update(f"{module}.{alias.name}" if f"{module}.{alias.name}" in files else module
                               for alias in node.names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle found by a depth-first walk (each reported once, from where it closes)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_graph_is_read() -> None:
    """The walk sees real edges (else the tests below would pass on nothing)."""
    graph = import_graph()
    assert "dashboard.guard" in graph["callbacks.console"]
    assert "dashboard.runtime" in graph["callbacks.admin"]  # a TYPE_CHECKING import
    assert {"callbacks", "layouts.wall"} <= graph["dashboard.app"]


def test_no_import_circle() -> None:
    assert cycles(import_graph()) == []


def test_only_the_composition_root_imports_pages_and_callbacks() -> None:
    graph = import_graph()
    reaching = sorted(module for module, targets in graph.items() if module.startswith("dashboard")
                      and any(t.split(".")[0] in ("callbacks", "layouts") for t in targets))
    assert reaching == ["dashboard.app"]


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]
