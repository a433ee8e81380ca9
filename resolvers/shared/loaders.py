"""DataLoaders, one per relation, created once per request (see Context.loader)."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from models import HabilitationGroup, Housing, Organisation, RentDeclaration, User


async def _by_id(model, ids: Sequence[int]):
    rows = {row.id: row for row in await model.filter(id__in=list(ids))}
    return [rows.get(i) for i in ids]


def HousingByIdLoader() -> DataLoader[int, Housing | None]:  # noqa: N802
    return DataLoader(lambda ids: _by_id(Housing, ids))


def OrganisationByIdLoader() -> DataLoader[int, Organisation | None]:  # noqa: N802
    return DataLoader(lambda ids: _by_id(Organisation, ids))


def UserByIdLoader() -> DataLoader[int, User | None]:  # noqa: N802
    return DataLoader(lambda ids: _by_id(User, ids))


def GroupByIdLoader() -> DataLoader[int, HabilitationGroup | None]:  # noqa: N802
    return DataLoader(lambda ids: _by_id(HabilitationGroup, ids))


async def _declarations(keys: Sequence[tuple[int, int]]) -> list[RentDeclaration | None]:
    years = {year for _, year in keys}
    tenant_ids = [tenant for tenant, _ in keys]
    rows = await RentDeclaration.filter(tenant_id__in=tenant_ids, year__in=list(years))
    found = {(r.tenant_id, r.year): r for r in rows}
    return [found.get(key) for key in keys]


def DeclarationByTenantYearLoader() -> DataLoader[tuple[int, int], RentDeclaration | None]:  # noqa: N802
    return DataLoader(_declarations)
