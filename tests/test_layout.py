"""The code's layout holds: the domain imports neither Streamlit nor the synthetic generator, and no module imports
itself back through others (every import is read, those inside functions too)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules(*packages: str) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, modules: frozenset[str] = frozenset()) -> set[str]:
    """Every absolute module name `path` imports: `from x import y` is x.y when that is one of `modules` (a
    submodule), else x and x.y."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            inner = {f"{node.module}.{alias.name}" for alias in node.names}
            names |= inner if inner <= modules else {node.module} | inner
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import one another, directly or through others (Tarjan's components)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in graph:
        if module not in index:
            visit(module)
    return groups


def test_no_module_of_the_domain_the_store_or_the_generator_imports_itself_back():
    modules = _modules("genome", "store", "synthetic")
    graph = {name: (_imports(path, frozenset(modules)) & modules.keys()) - {name} for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_sees_a_circle_through_a_third_module():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_domain_code_imports_no_streamlit():
    offenders = [name for name, path in _modules("genome").items()
                 if any(n == "streamlit" or n.startswith("streamlit.") for n in _imports(path))]
    assert offenders == []


def test_product_code_never_imports_the_synthetic_generator():
    """The demo's generator is one data source among others: what it boosts must not leak into the product. Only
    the command line calls it, for `genome demo`."""
    offenders = [name for name, path in _modules("genome", "store", "ui").items() if not name.startswith("genome.cli")
                 and any(n == "synthetic" or n.startswith("synthetic.") for n in _imports(path))]
    assert offenders == []


def test_the_genome_build_and_the_model_fit_share_the_stored_shape_instead_of_importing_each_other():
    build, published = ROOT / "genome/genes/build.py", ROOT / "genome/models/published.py"
    assert not any(n.startswith("genome.models.published") for n in _imports(build))
    assert not any(n.startswith("genome.genes.build") for n in _imports(published))
    assert "genome.genes.stored" in _imports(build) & _imports(published)
