"""The layout follows the data path: layers, no cycles, nothing imports the spider."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "newsspider"
#: Each layer may import the layers below it, never one above (add-ons do not import each other).
LAYERS = {"text": 0, "site": 1, "crawl": 2, "render": 3, "scaleout": 3, "report": 3}
MAX_LINES = 600


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """The newsspider modules `path` imports (``from x import y`` names module x.y if it is one)."""
    known = modules()
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("newsspider")
        ):
            found.add(node.module)
            found.update(
                f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known
            )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("newsspider"))
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_module_imports_up_a_layer_or_the_spider() -> None:
    wrong = []
    for name, path in modules().items():
        for imported in imports(path):
            if imported.startswith("newsspider.spiders") and not name.startswith(
                ("newsspider.spiders", "newsspider.commands")
            ):
                wrong.append((name, imported))
            here, there = layer(name), layer(imported)
            if (
                here in LAYERS
                and there in LAYERS
                and here != there
                and LAYERS[there] >= LAYERS[here]
            ):
                wrong.append((name, imported))
            if here in LAYERS and there in ("spiders", "commands", "settings"):
                wrong.append((name, imported))
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = {name: {i for i in imports(path) if i in modules()} for name, path in modules().items()}
    # A package's __init__ may gather its own submodules; edges back into it are cycles.
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        for nxt in graph.get(node, ()):
            if nxt in stack:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif len(stack) < 40:
                visit(nxt, [*stack, nxt])

    for start in graph:
        visit(start, [start])
    assert cycles == []


def test_modules_stay_small() -> None:
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
