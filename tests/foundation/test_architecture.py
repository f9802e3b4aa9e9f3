"""The import graph of the project: no loops between any two modules.

import-linter (`lint-imports`, pyproject `[tool.importlinter]`) checks the layer order;
this test checks what layers cannot: that no group of modules imports itself round in a
circle, even inside one package (lazy imports inside functions count too).
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

PACKAGES = ("simengine", "runs_app", "scenarios_app", "agents_app")
ROOT = Path(__file__).resolve().parents[2]


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every strongly connected group of two or more modules, each sorted (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(cycles)


def describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    """One cycle as its members and the imports that tie them together."""
    members = set(cycle)
    edges = [
        f"    {importer} -> {imported}"
        for importer in cycle
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if imported in members
    ]
    return "\n".join([f"cycle of {len(cycle)}: {' '.join(cycle)}", *edges])


def test_no_module_imports_itself_through_others(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(describe(graph, c) for c in cycles)


def test_the_cycle_finder_reports_a_loop_and_nothing_else() -> None:
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    graph.add_import(importer="pkg.d", imported="pkg.a")
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]


CORE_DEPENDENCIES = {"pydantic", "yaml", "numpy", "scipy", "typing_extensions"}
LLM_DEPENDENCIES = CORE_DEPENDENCIES | {
    "ollama",
    "anthropic",
    "openai",
    "httpx",
    "redis",
    "tenacity",
    "jsonschema",
    "jsonschema_rs",
    "qdrant_client",  # simengine.llm.qdrant_index, loaded only for SIMENGINE_VECTOR_STORE=qdrant
}


def third_party_imports_of(package: str) -> dict[str, list[str]]:
    """Each outside package `package` imports, with the modules that import it."""
    graph = grimp.build_graph("simengine", include_external_packages=True, cache_dir=None)
    found: dict[str, list[str]] = {}
    for module in graph.modules:
        top = module.split(".")[0]
        if top == "simengine" or top in sys.stdlib_module_names:
            continue
        importers = graph.find_modules_that_directly_import(module)
        mine = sorted(i for i in importers if i == package or i.startswith(package + "."))
        if mine:
            found.setdefault(top, []).extend(mine)
    return found


def test_the_core_imports_only_the_standard_library_and_its_declared_dependencies(
    monkeypatch,
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    outside = third_party_imports_of("simengine.core")
    undeclared = {k: v for k, v in outside.items() if k not in CORE_DEPENDENCIES}
    assert not undeclared, f"simengine.core imports undeclared packages: {undeclared}"


def test_the_llm_layer_imports_only_the_core_and_its_declared_dependencies(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    outside = third_party_imports_of("simengine.llm")
    undeclared = {k: v for k, v in outside.items() if k not in LLM_DEPENDENCIES}
    assert not undeclared, f"simengine.llm imports undeclared packages: {undeclared}"
