"""No paradigm builds on another one (docs/architecture.md sections 3 and 17): a
paradigm module imports only the `paradigms/base*.py` modules of its package,
and no registered paradigm class subclasses another registered one."""

import ast
import pathlib

import tfxlearn

PARADIGMS_DIR = pathlib.Path(tfxlearn.paradigms.__file__).parent


def _imported_modules(path: pathlib.Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_paradigm_modules_import_only_the_bases():
    offending = {}
    for path in sorted(PARADIGMS_DIR.glob("*/*.py")):
        if path.name == "__init__.py":  # the family packages register their paradigms
            continue
        paradigm_imports = {
            module
            for module in _imported_modules(path)
            if module.startswith("tfxlearn.paradigms.")
            and not module.split(".")[2].startswith("base")
        }
        if paradigm_imports:
            offending[str(path.relative_to(PARADIGMS_DIR))] = sorted(paradigm_imports)
    assert not offending, f"paradigm modules importing other paradigms: {offending}"


def test_no_registered_paradigm_subclasses_another():
    classes = {name: tfxlearn.paradigms.get(name) for name in tfxlearn.paradigms.names()}
    for name, cls in classes.items():
        parents = [other for other, c in classes.items() if c is not cls and issubclass(cls, c)]
        assert not parents, f"{name} subclasses the registered paradigm(s) {parents}"
