"""Mutation testing, on purpose (``make mutants``; not part of ``make test``): do the tests notice a wrong line?

For each module below, small mistakes (mutants) are made one at a time in a scratch copy of ``src/``: comparison
operators swapped (``<`` for ``<=``, ``=`` for ``<>``...), ``and``/``or`` exchanged, ``+``/``-`` and ``*``/``/``
exchanged, numeric constants raised by one, ``lag(x) over w`` replaced by the current ``x``, ``least``/``greatest``
and ``min``/``max`` exchanged, the SDMX status codes 'A'/'E'/'B' exchanged. Then that module's tests run against
the copy (``PYTHONPATH`` first; the tests, data and schemas are the repository's). A mutant is *killed* when a test
fails (or the run exceeds its time-out) and *survives* when every test passes. SQL comments and string literals
are left alone (their mutants would change only text).

    .venv/bin/python benchmarks/mutants.py                       # every module listed in MODULES
    .venv/bin/python benchmarks/mutants.py sql/core/ind_11_3_1.sql progress.py --show-survivors

Prints one line per module (mutants, killed, survived, score) and, with --show-survivors, each surviving mutant.
A survivor is either a gap in the tests or an equivalent mutant (the same behaviour); read them, don't chase 100 %.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "bisa_sdg"

# module (relative to src/bisa_sdg) -> the tests that guard it (fast ones: slow end-to-end runs are left out)
MODULES: dict[str, list[str]] = {
    "warehouse/sql/core/ind_11_3_1.sql": ["tests/test_land_consumption_road_deaths_population.py"],
    "warehouse/sql/core/population.sql": ["tests/test_land_consumption_road_deaths_population.py"],
    "warehouse/sql/core/ind_11_2_1.sql": ["tests/test_ind_11_2_1.py"],
    "progress/methods/base.py": ["tests/test_progress.py"],
    "progress/methods/ratio.py": ["tests/test_progress.py"],
    "progress/methods/unsd2023.py": ["tests/test_progress.py"],
    "progress/methods/unsd2022.py": ["tests/test_progress.py"],
    "progress/methods/eurostat.py": ["tests/test_progress.py"],
    "progress/methods/opensdg.py": ["tests/test_progress.py"],
    "progress/methods/fpb.py": ["tests/test_progress.py"],
    "progress/verdicts.py": ["tests/test_verdicts.py"],
}
TIMEOUT_S = 300  # a mutant that makes the tests hang (an endless loop) counts as killed after this


@dataclass(frozen=True)
class Mutant:
    module: str
    line: int
    description: str
    source: str  # the whole mutated file


# --- SQL: text outside comments and string literals -------------------------------------------------------------

_SQL_OPERATORS: list[tuple[str, str, str]] = [
    (r"<>", "=", "<> → ="),
    (r"(?<![<>!])=(?!=)", "<>", "= → <>"),
    (r"<=", "<", "<= → <"),
    (r">=", ">", ">= → >"),
    (r"<(?![=>])", "<=", "< → <="),
    (r"(?<![-<])>(?!=)", ">=", "> → >="),
    (r"\band\b", "or", "and → or"),
    (r"(?<!create )\bor\b(?! replace)", "and", "or → and"),
    (r"(?<=\s)\+(?=\s)", "-", "+ → -"),
    (r"(?<=\s)-(?=\s)", "+", "- → +"),
    (r"(?<=\s)\*(?=\s)", "/", "* → /"),
    (r"(?<=\s)/(?=\s)", "*", "/ → *"),
    (r"\bleast\(", "greatest(", "least → greatest"),
    (r"\bgreatest\(", "least(", "greatest → least"),
    (r"\bmin\(", "max(", "min → max"),
    (r"\bmax\(", "min(", "max → min"),
    (r"\blag\(([^()]*)\) over \w+", r"\1", "lag(x) → x (the current row)"),
    (r"\b(\w+)_now\b", r"\1_past", "x_now → x_past (the period's earlier year)"),
]
_SQL_STATUS = {"'A'": "'E'", "'E'": "'A'", "'B'": "'A'"}
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?(?:e\d+)?)(?![\w.])")


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Spans of SQL text outside ``--`` comments and '...' literals."""
    spans, start, i = [], 0, 0
    while i < len(text):
        if text.startswith("--", i):
            spans.append((start, i))
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            start = i
        elif text[i] == "'":
            spans.append((start, i))
            end = i + 1
            while end < len(text):
                if text[end] == "'" and text[end : end + 2] != "''":
                    break
                end += 2 if text[end : end + 2] == "''" else 1
            i = end + 1
            start = i
        else:
            i += 1
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def sql_mutants(module: str, text: str) -> Iterator[Mutant]:
    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    for a, b in _code_spans(text):
        chunk = text[a:b]
        for pattern, replacement, label in _SQL_OPERATORS:
            for m in re.finditer(pattern, chunk, flags=re.IGNORECASE):
                new = m.expand(replacement)
                yield Mutant(
                    module, line_of(a + m.start()), label, text[: a + m.start()] + new + text[a + m.end() :]
                )
        for m in _NUMBER.finditer(chunk):
            value = m.group(1)
            bumped = str(float(value) + 1) if any(c in value for c in ".e") else str(int(value) + 1)
            yield Mutant(
                module,
                line_of(a + m.start()),
                f"{value} → {bumped}",
                text[: a + m.start()] + bumped + text[a + m.end() :],
            )
    for literal, other in _SQL_STATUS.items():  # status codes are literals: mutated on purpose
        for m in re.finditer(re.escape(literal), text):
            line = text[text.rfind("\n", 0, m.start()) + 1 : text.find("\n", m.start())]
            if "then" in line and not line.lstrip().startswith("--"):
                yield Mutant(
                    module,
                    line_of(m.start()),
                    f"{literal} → {other}",
                    text[: m.start()] + other + text[m.end() :],
                )


# --- Python: one AST node at a time ----------------------------------------------------------------------------

_COMPARE = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}
_BINARY = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_BOOL = {ast.And: ast.Or, ast.Or: ast.And}


def _sites(tree: ast.AST) -> Iterator[tuple[ast.AST, str, int]]:
    """(node, kind, index) of every mutable spot; docstrings and other string constants are left alone."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _COMPARE:
                    yield node, "compare", i
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            yield node, "binary", 0
        elif isinstance(node, ast.BoolOp):
            yield node, "bool", 0
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            yield node, "number", 0


def python_mutants(module: str, text: str) -> Iterator[Mutant]:
    count = sum(1 for _ in _sites(ast.parse(text)))
    for k in range(count):
        tree = ast.parse(text)
        node, kind, i = list(_sites(tree))[k]
        if kind == "compare":
            old = node.ops[i]
            node.ops[i] = _COMPARE[type(old)]()
            label = f"{type(old).__name__} → {type(node.ops[i]).__name__}"
        elif kind == "binary":
            old = node.op
            node.op = _BINARY[type(old)]()
            label = f"{type(old).__name__} → {type(node.op).__name__}"
        elif kind == "bool":
            old = node.op
            node.op = _BOOL[type(old)]()
            label = f"{type(old).__name__} → {type(node.op).__name__}"
        else:
            label = f"{node.value!r} → {node.value + 1!r}"
            node.value = node.value + 1
        yield Mutant(module, node.lineno, label, ast.unparse(tree))


# --- running -----------------------------------------------------------------------------------------------------


def mutants_of(module: str) -> list[Mutant]:
    text = (PACKAGE / module).read_text(encoding="utf-8")
    found = sql_mutants(module, text) if module.endswith(".sql") else python_mutants(module, text)
    return list(found)


# Imported once by the runner, before it forks a child per mutant: the tests' start-up (pandas, DuckDB, Prefect...)
# is paid once, not once per mutant. ``bisa_sdg`` itself is never imported here, so each child imports the copy.
PRELOAD = ("numpy", "pandas", "pyarrow", "duckdb", "pandera.pandas", "yaml", "pytest", "prefect", "httpx")


def _run_tests(tests: list[str], scratch: Path) -> int:
    """In a forked child: the tests against the scratch copy; its exit status is pytest's."""
    sys.path.insert(0, str(scratch))
    os.chdir(ROOT)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    return int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-m", "not slow", *tests]))


def killed(mutant: Mutant, tests: list[str], scratch: Path) -> bool:
    target = scratch / "bisa_sdg" / mutant.module
    original = target.read_text(encoding="utf-8")
    target.write_text(mutant.source, encoding="utf-8")
    try:
        pid = os.fork()
        if pid == 0:  # the child never returns
            code = 3
            try:
                code = _run_tests(tests, scratch)
            finally:
                os._exit(code)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status) != 0
            if time.monotonic() > deadline:  # a hang counts as killed
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                return True
            time.sleep(0.05)
    finally:
        target.write_text(original, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "modules", nargs="*", help="modules relative to src/bisa_sdg (default: all of MODULES)"
    )
    parser.add_argument("--show-survivors", action="store_true")
    args = parser.parse_args()
    modules = args.modules or list(MODULES)
    with tempfile.TemporaryDirectory(prefix="bisa-mutants-") as tmp:
        scratch = Path(tmp)
        for name in PRELOAD:
            importlib.import_module(name)
        shutil.copytree(PACKAGE, scratch / "bisa_sdg", ignore=shutil.ignore_patterns("__pycache__"))
        for module in modules:
            started = time.perf_counter()
            mutants = mutants_of(module)
            survivors = [m for m in mutants if not killed(m, MODULES[module], scratch)]
            seconds = time.perf_counter() - started
            score = 100.0 * (len(mutants) - len(survivors)) / len(mutants) if mutants else float("nan")
            print(
                f"{module:32} mutants {len(mutants):4}  killed {len(mutants) - len(survivors):4}  "
                f"survived {len(survivors):3}  score {score:5.1f} %  ({seconds:.0f} s)",
                flush=True,
            )
            if args.show_survivors:
                for m in survivors:
                    print(f"    survived: {module}:{m.line}  {m.description}", flush=True)


if __name__ == "__main__":
    main()
