"""The package's import graph: no cycles, no module importing its own package, and light
widgets (importing the recommender demo loads neither torch, transformers nor matplotlib).

The graph is read from the source with `ast` (every import statement, including the lazy ones
inside functions, except those under ``if TYPE_CHECKING:``), so a cycle is caught even when it
only closes at run time.
"""

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

import cinelab

PACKAGE_ROOT = Path(cinelab.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks (imports for type hints only)."""
    skipped = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test):
            skipped |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    return skipped


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str]]:
    """``(imported module, statement)`` for every cinelab module `name` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = _type_checking_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, ast.unparse(node)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((base, ast.unparse(node)))
            found += [(f"{base}.{alias.name}", ast.unparse(node)) for alias in node.names]
    return [(target, statement) for target, statement in found if target in modules]


def import_graph() -> dict[str, dict[str, str]]:
    modules = all_modules()
    return {
        name: {target: statement for target, statement in imports_of(name, path, modules)}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, dict[str, str]]) -> list[str] | None:
    """One cycle as a list of modules (first = last), or None: depth-first search."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if target == node:
                continue
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_reader_sees_a_cycle_when_there_is_one():
    graph = {"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}, "d": {"a": ""}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": ""}, "b": {}}) is None
    real = import_graph()
    assert "cinelab.recsys.base" in real["cinelab.recsys.knn"]  # it does read real imports


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    cycle = find_cycle(graph)
    if cycle:
        steps = [f"{a} -> {b}: {graph[a][b]}" for a, b in itertools.pairwise(cycle)]
        pytest.fail("import cycle:\n" + "\n".join(steps))


def test_no_module_imports_its_own_package():
    offenders = []
    for name, targets in import_graph().items():
        own = name.rpartition(".")[0]
        if name in all_modules() and (PACKAGE_ROOT.parent / Path(*name.split("."))).is_dir():
            continue  # a package's __init__ naturally imports its own modules
        if own and own != "cinelab" and own in targets:
            offenders.append(f"{name}: {targets[own]}")
    assert not offenders, "import the module directly, not through its package:\n" + "\n".join(
        offenders
    )


def test_the_recommender_widgets_load_no_deep_learning_or_plotting_library():
    code = (
        "import sys\n"
        "from cinelab.widgets import RecommenderDemo, NeighbourExplorer\n"
        "import cinelab.recsys\n"
        "heavy = ('torch', 'transformers', 'matplotlib', 'pooch')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""
