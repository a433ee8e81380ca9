"""Imports flow one way: bailleurs → schema → resolvers → policies / models. A module may import
its own package and any package below it at run time, never one above (an `if TYPE_CHECKING:`
import, read by type checkers only, may name one for annotations)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Higher runs above; policies and models are the one bottom layer.
LAYER = {"bailleurs": 3, "schema": 2, "resolvers": 1, "policies": 0, "models": 0}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(node: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every import run at run time, in functions too (lazy imports)."""
    if isinstance(node, ast.Import):
        yield from ((node.lineno, alias.name) for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        yield node.lineno, node.module
    children = node.orelse if isinstance(node, ast.If) and _is_type_checking(node) else (
        list(ast.iter_child_nodes(node))
    )
    for child in children:
        yield from runtime_imports(child)


def upward_imports(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in runtime_imports(ast.parse(path.read_text("utf-8"))):
            top = module.split(".")[0]
            if top in LAYER and top != package and LAYER[top] > LAYER[package]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_no_package_imports_one_above_it_at_run_time():
    found = [problem for package in LAYER for problem in upward_imports(package)]
    assert found == [], "imports against the layers:\n" + "\n".join(found)


def test_the_walk_sees_lazy_imports_and_skips_type_checking_blocks():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bailleurs.settings import Settings\n"
        "else:\n    import schema.errors\n"
        "def f():\n    from bailleurs import mail\n"
    )
    assert [m for _, m in runtime_imports(tree)] == ["typing", "schema.errors", "bailleurs"]
