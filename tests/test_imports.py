"""The package's imports follow the data flow: no module of sim/ imports one that imports it."""

import ast
from pathlib import Path

import networkx as nx

import sim

PACKAGE = Path(sim.__file__).parent


def import_graph(root: Path) -> nx.DiGraph:
    """Module -> modules of the same package it imports (type-checking imports included)."""
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target in modules and target != name and not name.startswith(target + "."):
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycle_in_sim():
    cycles = list(nx.simple_cycles(import_graph(PACKAGE)))
    assert cycles == [], f"import cycles: {cycles}"


def test_the_check_finds_a_cycle(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import x\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import y\n"
    )
    assert list(nx.simple_cycles(import_graph(package))) != []


def test_the_books_do_not_import_the_model():
    graph = import_graph(PACKAGE)
    assert not nx.has_path(graph, "sim.metrics", "sim.model")
    assert not nx.has_path(graph, "sim.agents", "sim.model")
