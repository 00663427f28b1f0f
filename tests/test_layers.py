"""The folder tree is the architecture: guards that keep it so.

Data flows one way, ``cli / web / api / scheduler → channels → actions → store →
core``; the core imports no I/O library; no two modules import each other, even
by way of others; every test folder mirrors a package folder.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import REPO

PACKAGE = REPO / "inbox"
IO_LIBRARIES = (
    "starlette",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "apscheduler",
    "httpx",
    "psycopg",
    "uvicorn",
    "jinja2",
    "imapclient",
    "smtplib",
    "imaplib",
    "socket",
    "sqlite3",
    "urllib.request",
)
# What each layer may import from inside the package (besides itself).
MAY_IMPORT = {
    "core": set(),
    "store": {"core"},
    "actions": {"store", "core"},
    "channels": {"actions", "store", "core", "settings", "runtime"},
    "scheduler": {"channels", "actions", "store", "core", "settings", "runtime"},
    "web": {"channels", "actions", "store", "core", "settings", "runtime", "scheduler"},
    "api": {"web", "channels", "actions", "store", "core", "settings", "runtime"},
    "app": {
        "web",
        "api",
        "channels",
        "actions",
        "store",
        "core",
        "settings",
        "runtime",
        "scheduler",
    },
    "cli": {
        "app",
        "web",
        "api",
        "channels",
        "actions",
        "store",
        "core",
        "settings",
        "runtime",
        "scheduler",
    },
    "runtime": {"store", "core", "settings"},
    "settings": {"store", "core"},
    "__main__": {"cli"},
}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(REPO).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _imports(path: Path, *, module_level_only: bool) -> set[str]:
    """Modules named by the file's imports (``TYPE_CHECKING`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        typing_only = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        deferred = module_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if typing_only or deferred:
            skipped.update(id(inner) for inner in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_imports_are_found_inside_functions_but_not_for_type_checking(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nimport a\nif TYPE_CHECKING:\n    import b\n"
        "def f():\n    from c import d\n"
    )
    assert _imports(source, module_level_only=False) == {
        "typing",
        "typing.TYPE_CHECKING",
        "a",
        "c",
        "c.d",
    }
    assert _imports(source, module_level_only=True) == {"typing", "typing.TYPE_CHECKING", "a"}


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


MODULES = dict(_modules())


def test_the_tree_has_the_layers() -> None:
    for layer in ("core", "store", "actions", "channels", "web", "api", "cli"):
        init = PACKAGE / layer / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init} has no docstring"
        assert len(doc) > 80, f"{init}: say what lives here and what it may import"


@pytest.mark.parametrize("module", [m for m in MODULES if _layer(m) == "core"])
def test_the_core_does_no_io(module: str) -> None:
    for name in _imports(MODULES[module], module_level_only=False):
        assert not any(name == lib or name.startswith(lib + ".") for lib in IO_LIBRARIES), (
            f"{module} imports {name}"
        )


@pytest.mark.parametrize("module", [m for m in MODULES if m != "inbox"])
def test_data_flows_one_way(module: str) -> None:
    layer = _layer(module)
    allowed = MAY_IMPORT[layer] | {layer}
    for name in _imports(MODULES[module], module_level_only=False):
        if name == "inbox" or not name.startswith("inbox."):
            continue
        target = _layer(name)
        assert target in allowed, f"{module} ({layer}) imports {name} ({target})"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    return found


def test_no_import_cycles() -> None:
    graph = {
        module: {
            name
            for name in _imports(path, module_level_only=True)
            if name in MODULES and name != module and not module.startswith(name + ".")
        }
        for module, path in MODULES.items()
    }
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_tests_mirror_the_package() -> None:
    tests = REPO / "tests"
    for folder in sorted(p for p in tests.rglob("*") if p.is_dir()):
        relative = folder.relative_to(tests)
        if (
            relative.parts[0] in ("data", "product", "__pycache__")
            or "__pycache__" in relative.parts
        ):
            continue
        assert (PACKAGE / relative / "__init__.py").is_file(), f"tests/{relative} mirrors nothing"
        assert (folder / "__init__.py").is_file(), f"tests/{relative} is not a package"


@pytest.mark.parametrize("module", [m for m in MODULES if _layer(m) in ("web", "api")])
def test_views_read_through_named_queries(module: str) -> None:
    source = MODULES[module].read_text(encoding="utf-8")
    # ``request.session`` is the cookie session, not the database's.
    found = re.findall(r"(?<![.\w])(?:session\.(?:exec|get|execute)|conn\.execute)\(", source)
    assert found == [], f"{module} queries the database itself"
