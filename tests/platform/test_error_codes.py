"""Every error code the API can return is in the README's table, with its meaning.

The codes are found in the source where codes are written: a `code` attribute or keyword, a
`"code"` key, the first value a code-returning function gives (schema.errors) and the first
argument of a refusal (`…Refused("CODE", …)`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"[A-Z]+(?:_[A-Z]+)*")


def _code(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if CODE.fullmatch(node.value) else None
    return None


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for package in ("bailleurs", "schema", "resolvers", "policies"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                candidates: list[ast.AST | None] = []
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "code" for t in node.targets
                ) or isinstance(node, ast.keyword) and node.arg == "code":
                    candidates.append(node.value)
                elif isinstance(node, ast.Dict):
                    candidates += [v for k, v in zip(node.keys, node.values, strict=True)
                                   if _code(k) is None and isinstance(k, ast.Constant)
                                   and k.value == "code"]
                elif isinstance(node, ast.Call) and node.args and getattr(
                    node.func, "id", getattr(node.func, "attr", "")
                ).endswith("Refused"):
                    candidates.append(node.args[0])
                elif (isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple)
                      and path.name == "errors.py" and node.value.elts):
                    candidates.append(node.value.elts[0])
                found |= {c for c in map(_code, candidates) if c}
    return found


def documented_codes() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Error codes", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.M))


def test_every_code_the_api_returns_is_documented():
    in_source = codes_in_source()
    assert {"BAD_USER_INPUT", "NOT_FOUND", "GRAPHQL_VALIDATION_FAILED"} <= in_source
    assert in_source - documented_codes() == set()


def test_the_table_lists_no_code_that_is_gone():
    assert documented_codes() - codes_in_source() == set()
