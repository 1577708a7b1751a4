"""The package's shape: no import cycle, no private name shared across modules, small modules.

Parses every module of ``partner_analytics`` with :mod:`ast` (nothing is imported, so this runs in well
under a second) and fails when

- two modules import each other, directly or through others, counting imports inside functions (a
  function-level import hides a cycle from Python but not from the reader); imports under
  ``if TYPE_CHECKING:`` are ignored, they never run;
- a module imports a private name (``_x``) from another module, or reads ``module._x`` of a module it
  imported;
- a module has more than :data:`MAX_LINES` lines.

``KNOWN_*`` list violations that existed when the test was written; they may only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "partner_analytics"
MAX_LINES = 500

P = "partner_analytics."
KNOWN_CYCLES: set[frozenset[str]] = set()
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()
KNOWN_LONG: set[str] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imports(module: str) -> list[tuple[str, str | None, ast.AST]]:
    """``(target module, imported name or None, node)`` for each import of a package module."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    found.append((alias.name, None, node))
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node)
            if target not in MODULES:
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in MODULES:
                    found.append((submodule, None, node))
                else:
                    found.append((target, alias.name, node))
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the package modules it imports (anywhere in its body)."""
    return {
        module: {target for target, _, _ in _imports(module) if target != module} for module in MODULES
    }


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports() -> set[tuple[str, str, str]]:
    """``(importer, source module, private name)`` for each private name used across modules."""
    found = set()
    for module in MODULES:
        tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for target, name, node in _imports(module):
            if name is not None and _private(name) and target != module:
                found.add((module, target, name))
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if name is None and alias.name == target.rsplit(".", 1)[-1]:
                        aliases[alias.asname or alias.name] = target
            else:
                for alias in node.names:
                    if alias.name == target and alias.asname:
                        aliases[alias.asname] = target
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and _private(node.attr)
            ):
                found.add((module, aliases[node.value.id], node.attr))
    return found


def long_modules() -> dict[str, int]:
    """Module → line count, for modules over :data:`MAX_LINES` lines."""
    counts = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in MODULES.items()}
    return {m: n for m, n in counts.items() if n > MAX_LINES}


def test_the_checker_sees_imports_inside_functions_and_relative_imports():
    graph = import_graph()
    assert "partner_analytics.io" in graph["partner_analytics"]
    assert any(graph[m] for m in MODULES if m.startswith("partner_analytics.metrics."))
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    found = set(cycles(import_graph()))
    new = found - KNOWN_CYCLES
    assert not new, "import cycles: " + "; ".join(" ↔ ".join(sorted(c)) for c in new)
    fixed = KNOWN_CYCLES - found
    assert not fixed, f"remove these from KNOWN_CYCLES, they are gone: {fixed}"


def test_no_private_name_is_imported_from_another_module():
    found = private_imports()
    new = sorted(found - KNOWN_PRIVATE)
    assert not new, "private names used across modules (make them public where they belong): " + ", ".join(
        f"{importer} uses {source}.{name}" for importer, source, name in new
    )
    fixed = KNOWN_PRIVATE - found
    assert not fixed, f"remove these from KNOWN_PRIVATE, they are gone: {sorted(fixed)}"


def test_no_module_is_over_the_line_limit():
    found = long_modules()
    new = {m: n for m, n in found.items() if m not in KNOWN_LONG}
    assert not new, f"split these at a natural seam (max {MAX_LINES} lines): {new}"
    fixed = KNOWN_LONG - set(found)
    assert not fixed, f"remove these from KNOWN_LONG, they are small now: {sorted(fixed)}"
