"""The committed SDL is the schema in force, and no breaking change lands unrecorded."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bailleurs import schema_contract
from tests.support.processes import REPO, run_cli


def test_committed_sdl_is_the_schema_in_force():
    committed = schema_contract.CONTRACT.read_text(encoding="utf-8")
    assert schema_contract.current_sdl() == committed, (
        "schema.graphql is out of date: uv run bailleurs schema print > schema.graphql "
        "(then bailleurs schema check against the previous version)"
    )


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout


def test_no_unrecorded_break_since_the_previous_committed_contract():
    if not shutil.which("git") or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: no previous contract to compare with")
    commits = _git("log", "--format=%H", "-n", "2", "--", "schema.graphql").split()
    working_differs = bool(_git("status", "--porcelain", "--", "schema.graphql").strip())
    previous = commits[0] if working_differs and commits else (commits[1:] or [None])[0]
    if previous is None:
        pytest.skip("schema.graphql has no earlier committed version")
    old = _git("show", f"{previous}:schema.graphql")
    changes = schema_contract.compare(old, schema_contract.current_sdl())
    accepted = schema_contract.ACCEPTED_BREAKS.read_text(encoding="utf-8")
    assert changes.unaccepted(accepted) == []


def test_check_names_breaking_and_dangerous_changes(tmp_path, database_url):
    current = schema_contract.current_sdl()
    # An older schema with a query field since removed, and without an enum value added since.
    older = current.replace("type Query {", "type Query {\n  retired: String!", 1)
    assert older != current
    old_file = tmp_path / "old.graphql"
    old_file.write_text(older, encoding="utf-8")
    changes = schema_contract.compare(older, current)
    assert changes.breaking == ["FIELD_REMOVED: Field Query.retired was removed."]
    assert changes.unaccepted("") == changes.breaking
    assert changes.unaccepted("- FIELD_REMOVED: Field Query.retired was removed. (raison)") == []
    result = run_cli("schema", "check", str(old_file), database_url=database_url)
    assert result.returncode == 1
    assert "REFUSÉ  FIELD_REMOVED: Field Query.retired was removed." in result.stdout
    same = run_cli("schema", "check", database_url=database_url)
    assert same.returncode == 0 and "Changements cassants : 0" in same.stdout
