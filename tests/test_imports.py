"""Import structure of the package (docs/architecture.md section 3): no module-level
import cycles inside tfxlearn, and `import tfxlearn` does not import matplotlib.

Run as a script (`python tests/test_imports.py`) to print the import graph's cycles.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "tfxlearn"


def module_files(root: str = REPO, package: str = PACKAGE) -> dict[str, str]:
    """`{dotted module name: path}` of every module of `package` under `root`."""
    modules = {}
    for directory, _, files in os.walk(os.path.join(root, package)):
        for file in files:
            if not file.endswith(".py"):
                continue
            parts = os.path.relpath(os.path.join(directory, file), root)[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = os.path.join(directory, file)
    return modules


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module_level: bool):
    """Import statements of a module; with `module_level`, those run when the
    module is imported: not those inside functions (run when called) or under
    `if TYPE_CHECKING:`."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        if module_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if module_level and isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph(modules: dict[str, str], module_level: bool = True) -> dict[str, set[str]]:
    """`{module: modules whose body must run (or have run) for its own body to run}`
    (with `module_level=False`: for any of its imports to run, function bodies included).

    Python's rules: `import a.b.c` and `from a.b import c` (c a submodule) need
    `a.b.c` and every package above it that is not above the importer itself
    (those are already being imported when the importer runs); `from a.b import
    name` (name not a submodule) needs the body of `a.b`, even when `a.b` is
    the importer's own package.
    """
    graph = {}
    for name, path in modules.items():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        is_package = path.endswith("__init__.py")
        own = set(_ancestors(name))
        needed = set()

        def need(target, own=own, needed=needed):
            if target in modules:
                needed.add(target)
            needed.update(a for a in _ancestors(target) if a in modules and a not in own)

        for node in _imports(tree, module_level):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    need(alias.name)
                continue
            base = node.module or ""
            if node.level:  # relative import
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                need(submodule if submodule in modules else base)
        needed.discard(name)
        graph[name] = needed
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for child in sorted(graph.get(node, ())):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "; ".join(edges)


def test_the_checker_sees_a_cycle(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg import a, sub\n")
    (pkg / "a.py").write_text("import pkg\n\ndef f():\n    from pkg import b\n")
    (pkg / "b.py").write_text("from pkg.sub import c\n")
    (pkg / "sub" / "__init__.py").write_text("from pkg.sub import c\nfrom pkg.sub.c import X\n")
    (pkg / "sub" / "c.py").write_text("from pkg.sub import d\nX = 1\n")
    (pkg / "sub" / "d.py").write_text("from pkg.sub import X\n")
    graph = import_graph(module_files(str(tmp_path), "pkg"))
    assert graph["pkg.a"] == {"pkg"}  # the import inside f() is not module-level
    assert graph["pkg.b"] == {"pkg.sub", "pkg.sub.c"}  # pkg.sub's body runs first
    assert graph["pkg.sub.c"] == {"pkg.sub.d"}  # a submodule of its own package
    assert graph["pkg.sub.d"] == {"pkg.sub"}  # a name defined by its package's body
    assert cycles(graph) == [["pkg", "pkg.a"], ["pkg.sub", "pkg.sub.c", "pkg.sub.d"]]


def test_no_module_level_import_cycles():
    graph = import_graph(module_files())
    assert len(graph) > 50 and "tfxlearn.pipeline" in graph
    found = cycles(graph)
    assert not found, "\n".join(describe(c, graph) for c in found)


def test_data_imports_nothing_of_pretext():
    # pretext -> data, never the other way, not even inside a function.
    graph = import_graph(module_files(), module_level=False)
    wrong = {
        module: sorted(m for m in needed if m.startswith("tfxlearn.pretext"))
        for module, needed in graph.items()
        if module.startswith("tfxlearn.data")
    }
    assert not any(wrong.values()), wrong


def test_the_pipeline_package_has_every_name_used_as_pipeline_dot_x():
    # The pipeline was one module; its users keep writing `pipeline.<name>`.
    from tfxlearn import pipeline

    used = set()
    for folder in ("tests", "benchmarks", "pipelines", "tfxlearn"):
        for directory, _, files in os.walk(os.path.join(REPO, folder)):
            for file in (f for f in files if f.endswith(".py")):
                with open(os.path.join(directory, file), encoding="utf-8") as f:
                    used.update(re.findall(r"\bpipeline\.([A-Za-z_]\w*)\b(?!\.py)", f.read()))
    assert {"run", "load_config", "example_gen", "build_model", "train"} <= used
    # a submodule (`from tfxlearn.pipeline.textured_digits import ...`) is a name
    # the package has once imported: found by its spec, whatever ran before
    missing = [
        name
        for name in sorted(used)
        if not hasattr(pipeline, name)
        and importlib.util.find_spec(f"tfxlearn.pipeline.{name}") is None
    ]
    assert not missing


def test_replacing_a_pipeline_function_reaches_the_calls_inside_the_package(monkeypatch):
    # benchmarks/fault_soak_child.py wraps pipeline.train / evaluator / export_saved_model.
    from tfxlearn import pipeline

    exported = []
    monkeypatch.setattr(pipeline, "export_saved_model", lambda *a, **k: exported.append(k))
    config = {"name": "p", "export": {"root": "r"}}
    assert pipeline.pusher(config, model=None, blessed=True) is None
    assert exported == [{"export_root": "r", "model_name": "p", "metadata": None}]
    monkeypatch.undo()
    assert pipeline.components.export_saved_model is pipeline.export_saved_model
    assert pipeline.export_saved_model.__module__ == "tfxlearn.export"


def test_import_tfxlearn_adds_no_matplotlib_import_and_keeps_the_backend(subprocess_env):
    # Keras 3 itself imports matplotlib.pyplot when it is installed; tfxlearn adds
    # nothing to that and no longer switches the process to Agg on import.
    code = (
        "import sys, keras, matplotlib\n"
        "def loaded():\n"
        "    return {m for m in sys.modules if m.split('.')[0] == 'matplotlib'}\n"
        "before, backend = loaded(), matplotlib.rcParams._get_backend_or_none()\n"
        "import tfxlearn\n"
        "assert loaded() == before, sorted(loaded() - before)\n"
        "assert matplotlib.rcParams._get_backend_or_none() == backend\n"
        "assert 'tfxlearn.viz' not in sys.modules\n"
        "assert tfxlearn.viz.plt is sys.modules['matplotlib.pyplot']\n"
        "assert matplotlib.get_backend().lower() == 'agg'\n"
    )
    subprocess.run([sys.executable, "-c", code], env=subprocess_env, check=True, timeout=600)


def test_native_log_filter_keeps_errors_and_hides_what_the_level_hides():
    from tfxlearn._quiet_import import hidden

    info = "I0000 00:00:1796624016.640632   18093 port.cc:153] oneDNN custom operations are on."
    warning = "W0000 00:00:1.0   1 cache_dataset_ops.cc:80] The calling iterator did not"
    error = "E0000 00:00:1.0   1 some_op.cc:12] could not open file"
    preamble = "WARNING: All log messages before absl::InitializeLog() is called are written"
    assert hidden(info, 1) and hidden(info, 2)
    assert not hidden(warning, 1) and hidden(warning, 2)
    assert not hidden(error, 2) and hidden(error, 3)
    assert not hidden(preamble, 1) and hidden(preamble, 2)
    for other in ("Traceback (most recent call last):", "I0 not a native line", ""):
        assert not hidden(other, 3)
    assert not hidden(info, 0)


def test_import_tfxlearn_prints_nothing_by_default(subprocess_env):
    # TensorFlow 2.21 logs through Abseil before logging is initialized, which
    # TF_CPP_MIN_LOG_LEVEL does not filter (tfxlearn/_quiet_import.py).
    env = {k: v for k, v in subprocess_env.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "import sys, tfxlearn\nprint('after', file=sys.stderr)\n"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == "after\n", result.stderr[-3000:]
    verbose = subprocess.run(
        [sys.executable, "-c", "import tfxlearn"],
        env={**env, "TF_CPP_MIN_LOG_LEVEL": "0"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert re.search(r"^[IWEF]\d{4} ", verbose.stderr, re.M), (
        "TF_CPP_MIN_LOG_LEVEL=0 should show TensorFlow's native lines"
    )


if __name__ == "__main__":
    graph = import_graph(module_files())
    found = cycles(graph)
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} module-level imports")
    for component in found:
        print("cycle:", describe(component, graph))
    print(f"{len(found)} cycle(s)")
    sys.exit(1 if found else 0)
