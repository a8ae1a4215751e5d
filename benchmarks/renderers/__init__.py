"""One renderer per benchmark family, discovered by `render_readme.py`.

Each module here defines `SECTIONS = {"marker-name": function}`: the function
returns the Markdown that goes between `<!-- marker-name:start -->` and
`<!-- marker-name:end -->` in README.md or docs/*.md. Shared helpers (loading a
result file, its stamp and flags, a number cell) live in `common.py`. Adding a
family's results page means adding one module; `render_readme.py` is not edited.
"""

from __future__ import annotations

import importlib
import pkgutil


def modules() -> list:
    """Every family renderer module of this package, sorted by name (not `common`)."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
        if info.name != "common" and not info.name.startswith("_")
    ]


def sections() -> dict:
    """Marker name -> renderer, from every module of this package (sorted by module
    name). A marker defined by two modules is an error, named."""
    found: dict = {}
    owner: dict[str, str] = {}
    for module in modules():
        name = module.__name__.rsplit(".", 1)[-1]
        for marker, function in getattr(module, "SECTIONS", {}).items():
            if marker in found:
                raise SystemExit(
                    f"render_readme: marker {marker!r} is rendered by both "
                    f"renderers/{owner[marker]}.py and renderers/{name}.py"
                )
            found[marker] = function
            owner[marker] = name
    return found
