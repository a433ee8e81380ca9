"""The public schema as a contract: the SDL committed as schema.graphql, and the breaking and
dangerous changes between two versions (graphql-core's find_breaking_changes and
find_dangerous_changes). A breaking change passes only once recorded in schema-breaks.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graphql import build_schema as parse_sdl
from graphql import find_breaking_changes, find_dangerous_changes

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "schema.graphql"
ACCEPTED_BREAKS = ROOT / "schema-breaks.md"


def current_sdl() -> str:
    from bailleurs.settings import Settings
    from schema import build_schema

    return build_schema(Settings()).as_str() + "\n"


@dataclass(frozen=True)
class SchemaChanges:
    breaking: list[str]
    dangerous: list[str]

    def unaccepted(self, accepted_text: str) -> list[str]:
        """Breaking changes not quoted in the changelog of accepted breaks."""
        return [change for change in self.breaking if change not in accepted_text]


def compare(old_sdl: str, new_sdl: str) -> SchemaChanges:
    old, new = parse_sdl(old_sdl), parse_sdl(new_sdl)
    return SchemaChanges(
        breaking=[f"{c.type.name}: {c.description}" for c in find_breaking_changes(old, new)],
        dangerous=[f"{c.type.name}: {c.description}" for c in find_dangerous_changes(old, new)],
    )


def check(old_path: Path) -> tuple[int, str]:
    """The `bailleurs schema check` report and its exit status (1 on an unaccepted break)."""
    changes = compare(old_path.read_text(encoding="utf-8"), current_sdl())
    accepted = ACCEPTED_BREAKS.read_text(encoding="utf-8") if ACCEPTED_BREAKS.exists() else ""
    refused = changes.unaccepted(accepted)
    lines = [f"Changements cassants : {len(changes.breaking)}"]
    lines += [f"  {'ACCEPTÉ ' if c not in refused else 'REFUSÉ  '}{c}" for c in changes.breaking]
    lines += [f"Changements risqués : {len(changes.dangerous)}"]
    lines += [f"  {c}" for c in changes.dangerous]
    if refused:
        lines.append(f"{len(refused)} changement(s) cassant(s) absent(s) de "
                     f"{ACCEPTED_BREAKS.name} : ajoutez-y chaque ligne REFUSÉ telle quelle, "
                     "avec la raison.")
    return (1 if refused else 0), "\n".join(lines)
