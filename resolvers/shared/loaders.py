"""DataLoaders, one per relation, created once per request (see Context.loader)."""

from __future__ import annotations

from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from models import HabilitationGroup, Organisation, User

Row = TypeVar("Row", bound=Model)


class ByIdLoader(DataLoader[int, Row | None], Generic[Row]):
    """Rows of `model` by id, one query per batch; None for an id that matches none."""

    model: type[Row]

    def __init__(self) -> None:
        super().__init__(self._rows)

    async def _rows(self, ids: list[int]) -> list[Row | None]:
        rows = {row.pk: row for row in await self.model.filter(id__in=ids)}
        return [rows.get(i) for i in ids]


class OrganisationByIdLoader(ByIdLoader[Organisation]):
    model = Organisation


class UserByIdLoader(ByIdLoader[User]):
    model = User


class GroupByIdLoader(ByIdLoader[HabilitationGroup]):
    model = HabilitationGroup
