"""Enums, pagination and helpers shared by every area of the schema."""

from __future__ import annotations

import base64
import json
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry

from models import enums as m
from models.validators import parse_object_id
from policies.vocabulary import Act
from resolvers.shared.errors import invalid
from schema.read_rules import PAGE, readable_by

# strawberry.enum marks the model's enum class as a GraphQL enum and returns that same class:
# plain aliases, so that a type checker reads them as types.
HousingType = m.HousingType
DeclarationState = m.DeclarationState
WorkMode = m.WorkMode
strawberry.enum(HousingType, description="Type de logement.")
strawberry.enum(DeclarationState, description="État d'une déclaration.")
strawberry.enum(WorkMode, description="Poste sédentaire ou itinérant.")


@strawberry.enum(description="Action soumise à habilitation.")
class Action(Enum):
    READ = Act.READ.value
    DECLARE = Act.DECLARE.value
    MANAGE = Act.MANAGE.value
    DELEGATE = Act.DELEGATE.value


T = TypeVar("T")


@readable_by(PAGE)
@strawberry.type(description="Où reprendre la lecture d'une liste.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Reste-t-il des éléments ?")
    end_cursor: str | None = strawberry.field(description="Curseur du dernier élément rendu.")


@readable_by(PAGE)
@strawberry.type(description="Un élément d'une liste et son curseur.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Curseur opaque de l'élément.")
    node: T = strawberry.field(description="L'élément.")


@readable_by(PAGE)
@strawberry.type(description="Une page d'une liste, au sens des connexions Relay.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="Les éléments de la page.")
    page_info: PageInfo = strawberry.field(description="Pagination.")
    total_count: int = strawberry.field(
        description="Nombre total d'éléments visibles par l'appelant (sur toutes les pages)."
    )


def connection_of(page: Any, nodes: list[Any]) -> Connection:
    """A Relay connection from a keyset page (shared.pagination.Page) and its rows' nodes."""
    edges = [
        Edge(cursor=encode_cursor(key), node=node)
        for node, key in zip(nodes, page.keys, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
        ),
        total_count=page.total,
    )


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to decode
        raise invalid("after", "Curseur de pagination invalide.") from exc
    if not isinstance(values, list):
        raise invalid("after", "Curseur de pagination invalide.")
    return values


def check_page_size(first: int, maximum: int) -> None:
    if not 1 <= first <= maximum:
        raise invalid("first", f"« first » doit être compris entre 1 et {maximum}.")


def decode_id(value: strawberry.ID, field: str = "id") -> int:
    """Ids are opaque strings; a malformed or out-of-range one is simply not found."""
    parsed = parse_object_id(value) if isinstance(value, str) else None
    return -1 if parsed is None else parsed
