"""The layout keeps its promises (docs/architecture.md): stages import only down their order, no import cycle,
no Prefect in the library, short functions, few loose modules, names by subject, meta.* written by the warehouse.

Read from the source with ``ast`` (nothing is imported), so a breach fails here whatever the tests cover.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "bisa_sdg"

# The stages, lowest first: a module may import its own stage and the ones before it (docs/architecture.md).
STAGES = ("config", "acquire", "sources", "validation", "progress", "warehouse", "publish", "run")
# Loose modules at the top: foundations every stage may import (they import no stage), and the CLI on top.
FOUNDATIONS = ("bisa_sdg", "bisa_sdg.parsing", "bisa_sdg.contract")
TOP = ("bisa_sdg.cli",)
MAX_LOOSE_MODULES = 6
MAX_FUNCTION_LINES = 80

TICKET_NAME = re.compile(r"(issue|ticket|bug|pr)[-_]?\d+", re.IGNORECASE)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module


def _modules() -> list[Module]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append(Module(".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return found


MODULES = _modules()
NAMES = {m.name for m in MODULES}


def _imports(module: Module) -> set[str]:
    """Every module ``module`` imports (at any depth of the file, type-only imports included)."""
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:  # 'from package import module' imports the module
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in NAMES else target)
    return found


IMPORTS = {m.name: _imports(m) for m in MODULES}


def _stage(name: str) -> int | None:
    """The position of a module's stage; None for the foundations, len(STAGES) for the CLI."""
    if name in FOUNDATIONS:
        return None
    if name in TOP:
        return len(STAGES)
    return STAGES.index(name.split(".")[1])


def upward_imports(imports: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(module, imported) pairs where a module imports a later stage, or a foundation imports any stage."""
    found = set()
    for name, targets in imports.items():
        for target in targets & NAMES:
            own, other = _stage(name), _stage(target)
            if other is None:
                continue
            if own is None or other > own:
                found.add((name, target))
    return found


def cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles among the package's modules (one path per cycle found by a depth-first search)."""
    graph = {n: sorted(t for t in targets & NAMES if t != n) for n, targets in imports.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_every_module_belongs_to_a_stage_or_is_a_known_loose_module():
    for module in MODULES:
        if module.name in FOUNDATIONS or module.name in TOP:
            continue
        assert module.name.split(".")[1] in STAGES, (
            f"{module.path}: not in a stage folder ({', '.join(STAGES)})"
        )


def test_no_import_runs_back_up_the_stage_order():
    assert upward_imports(IMPORTS) == set()


def test_the_import_graph_has_no_cycle():
    assert cycles(IMPORTS) == []


def test_the_checks_see_an_upward_import_and_a_cycle():
    # The two checks above on a hand-made graph: warehouse → publish runs up the order, and with
    # publish → warehouse it is also a cycle.
    graph = {
        "bisa_sdg.warehouse.database": {"bisa_sdg.publish.sdmx"},
        "bisa_sdg.publish.sdmx": {"bisa_sdg.warehouse.database", "bisa_sdg.parsing"},
        "bisa_sdg.parsing": {"bisa_sdg.config.catalog"},
    }
    assert upward_imports(graph) == {
        ("bisa_sdg.warehouse.database", "bisa_sdg.publish.sdmx"),
        ("bisa_sdg.parsing", "bisa_sdg.config.catalog"),
    }
    assert cycles(graph) == [
        ["bisa_sdg.publish.sdmx", "bisa_sdg.warehouse.database", "bisa_sdg.publish.sdmx"]
    ]


def test_the_library_imports_neither_prefect_nor_flows():
    for name, targets in IMPORTS.items():
        roots = {target.split(".")[0] for target in targets}
        assert "prefect" not in roots, f"{name} imports prefect (orchestration belongs in flows/)"
        if name not in TOP:
            assert "flows" not in roots, f"{name} imports flows/ (only the CLI may)"


def test_at_most_six_loose_modules_at_the_top_of_the_package():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= MAX_LOOSE_MODULES, loose


def _long_functions() -> set[tuple[str, str, int]]:
    found = set()
    for module in MODULES:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > MAX_FUNCTION_LINES:
                    found.add((module.path.relative_to(PACKAGE).as_posix(), node.name, length))
    return found


def test_no_function_is_longer_than_80_lines():
    too_long = set(_long_functions())
    assert too_long == set(), "split these functions (lines from def to the last line)"


@pytest.mark.parametrize(
    "folder", ["src", "tests", "flows", "data", "docs", "config", "schemas", "benchmarks"]
)
def test_no_file_or_folder_is_named_after_a_ticket(folder):
    named = [p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*") if TICKET_NAME.search(p.name)]
    assert named == [], "name files by subject, not by the ticket that added them"


def test_only_the_warehouse_writes_the_meta_schema():
    # A write is a load_frame(con, "meta", ...) call or SQL text that creates, inserts into or comments on meta.*.
    writes_sql = re.compile(r"\b(create|insert\s+into|comment\s+on\s+\w+)\b[^;]*\bmeta\.", re.IGNORECASE)
    writers = set()
    for module in MODULES:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and any(
                isinstance(a, ast.Constant) and a.value == "meta" for a in node.args
            ):
                writers.add(module.name)
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and writes_sql.search(node.value)
            ):
                writers.add(module.name)
    readers_by_name = {"bisa_sdg.publish.snapshot"}  # _exists(con, "meta", table): a read
    assert {w for w in writers - readers_by_name if not w.startswith("bisa_sdg.warehouse.")} == set()
