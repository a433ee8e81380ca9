"""The last names' dictionary (migration 0019) equals a GROUP BY of the tenants after any
sequence of writes — imports adding, renaming and moving tenants, housings changing type or
département, multi-row statements renaming and deleting tenants — and under 20 imports at once;
each tenant's other text is its search text less its last name; and a search by name groups
pages like a full scan after each step, on both databases."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import strategies as st
from tortoise import Tortoise

from models import Organisation
from models.tenant_copies import normalise
from resolvers.declarations.tenant_pages import page_statement
from tests.support.factories import import_organisations, organisation_data
from tests.support.properties import holds_for_examples

EXAMPLES = int(os.environ.get("NAME_EXAMPLES", "20"))
YEAR = 2026
TYPES = ["CONVENTIONNE", "PRIVE"]
ZONES = ["14", "2A", "971"]
# Spellings that normalise alike, a name inside another, accents and ligatures.
NAMES = ["MARTIN", "Martin", "MARTINEZ", "LEMARTIN", "Lætitia", "LAETITIA", "d'Œuf", "Müller",
         "ROUX"]
FIRST = ["Céline", "MARC", "Martine", "Luc"]
TERMS = ["MART", "MARTIN", "LAETITIA", "OEUF", "MULLER", "CELINE", "VILLE", "971", "MARTINE",
         "MARTIN CELINE"]

pick = st.integers(0, 10_000)
name = st.integers(0, len(NAMES) - 1)
operation = st.one_of(
    st.tuples(st.just("add"), pick, name, st.integers(0, len(FIRST) - 1)),
    st.tuples(st.just("rename"), pick, name),
    st.tuples(st.just("move"), pick, pick),
    st.tuples(st.just("rehouse"), pick, st.sampled_from(TYPES), st.sampled_from(ZONES)),
    st.tuples(st.just("sql_rename"), st.frozensets(pick, min_size=1, max_size=4), name),
    st.tuples(st.just("sql_delete"), st.frozensets(pick, min_size=1, max_size=3)),
)


def _db():
    return Tortoise.get_connection("default")


def _mark(db, i: int) -> str:
    return f"${i}" if db.capabilities.dialect == "postgres" else f"?{i}"


async def assert_names_exact() -> None:
    """The dictionary is the GROUP BY of tenant; each row's texts split at its last name."""
    db = _db()
    rows = await db.execute_query_dict(
        "SELECT t.organisation_id, t.housing_type, t.departement, t.last_name, t.first_name, "
        "t.allocataire_number, t.search_text, t.other_text, h.commune, h.postal_code "
        "FROM tenant t JOIN housing h ON h.id = t.housing_id")
    expected = Counter((r["organisation_id"], r["housing_type"], r["departement"],
                        r["last_name"]) for r in rows)
    for r in rows:
        other = normalise(" ".join((r["first_name"], r["commune"], r["allocataire_number"],
                                    r["postal_code"])))
        assert (r["other_text"], r["search_text"]) == (
            other, normalise(f"{r['last_name']} {other}")), r
    stored = await db.execute_query_dict(
        "SELECT organisation_id, housing_type, departement, last_name, name_text, total "
        "FROM tenant_name")
    assert {(r["organisation_id"], r["housing_type"], r["departement"], r["last_name"]):
            (r["name_text"], r["total"]) for r in stored} == {
        k: (normalise(k[3]), n) for k, n in expected.items()}


async def assert_searches_exact(organisation_id: int) -> None:
    """Every page of each term, 1 pair and the whole organisation, as a full scan keeps it."""
    db = _db()
    postgres = db.capabilities.dialect == "postgres"
    rows = await db.execute_query_dict(
        "SELECT id, last_name, first_name, housing_type, departement, search_text FROM tenant "
        f"WHERE organisation_id = {int(organisation_id)}")
    scopes = [[(t.lower(), z) for t in TYPES for z in ZONES], [("prive", "971")]]
    for arms, term in itertools.product(scopes, TERMS):
        kept = sorted((r for r in rows if term in r["search_text"]
                       and (r["housing_type"], r["departement"]) in arms),
                      key=lambda r: (r["last_name"], r["first_name"], r["id"]))
        ids: list[int] = []
        after = None
        while True:
            sql, values = page_statement(postgres, organisation_id, arms, 3, after, YEAR,
                                         term=term)
            page = await db.execute_query_dict(sql, values)
            ids += [r["id"] for r in page[:2]]
            assert {r["counted_total"] for r in page} <= {len(kept)}, (arms, term)
            if len(page) <= 2:
                break
            after = [page[1][k] for k in ("last_name", "first_name", "id")]
        assert ids == [r["id"] for r in kept], (arms, term)


@dataclass
class World:
    file: dict
    organisation_id: int
    numbers: itertools.count = field(default_factory=lambda: itertools.count(6_000_000))

    def tenants(self) -> list[tuple[dict, dict]]:
        return [(h, t) for h in self.file["housings"] for t in h["tenants"]]


async def _numbers_of(world: World, picks: frozenset[int]) -> list[str]:
    pairs = world.tenants()
    return sorted({pairs[i % len(pairs)][1]["allocataireNumber"] for i in picks})


async def _step(api, world: World, step: tuple) -> None:
    housings, kind = world.file["housings"], step[0]
    db = _db()
    if kind == "add":
        n = next(world.numbers)
        housings[step[1] % len(housings)]["tenants"].append({
            "allocataireNumber": f"{n:07d}", "lastName": NAMES[step[2]],
            "firstName": FIRST[step[3]], "occupiedSince": "2020-01-01"})
    elif kind == "rename":
        pairs = world.tenants()
        pairs[step[1] % len(pairs)][1]["lastName"] = NAMES[step[2]]
    elif kind == "move":
        pairs = world.tenants()
        source, tenant = pairs[step[1] % len(pairs)]
        source["tenants"].remove(tenant)
        housings[step[2] % len(housings)]["tenants"].append(tenant)
    elif kind == "rehouse":
        housing = housings[step[1] % len(housings)]
        postal = {"2A": "20000", "971": "97110"}.get(step[3], f"{step[3]}000")
        housing.update(type=step[2], departement=step[3], postalCode=postal)
    elif kind == "sql_rename":  # one statement renaming several rows, texts written with it
        numbers = await _numbers_of(world, step[1])
        last = NAMES[step[2]]
        for _, tenant in world.tenants():
            if tenant["allocataireNumber"] in numbers:
                tenant["lastName"] = last
        marks = ", ".join(_mark(db, i + 2) for i in range(len(numbers)))
        await db.execute_query(
            f"UPDATE tenant SET last_name = {_mark(db, 1)}, search_text = "
            f"CAST({_mark(db, len(numbers) + 2)} AS TEXT) || ' ' || other_text "
            f"WHERE allocataire_number IN ({marks})", [last, *numbers, normalise(last)])
        return
    else:  # sql_delete: one statement deleting several rows (the next import adds them back)
        numbers = await _numbers_of(world, step[1])
        marks = ", ".join(_mark(db, i + 1) for i in range(len(numbers)))
        await db.execute_query(f"DELETE FROM tenant WHERE allocataire_number IN ({marks})",
                               numbers)
        return
    await import_organisations(api, world.file)


async def _check(api, world: World, steps: list[tuple]) -> None:
    for step in steps:
        await _step(api, world, step)
        await assert_names_exact()
    await import_organisations(api, world.file)  # deleted rows back, as the file has them
    await assert_names_exact()
    await assert_searches_exact(world.organisation_id)


async def test_names_equal_a_group_by_after_any_sequence_of_writes(api):
    # given: an organisation with tenants in every (type, zone) pair, another beside it
    file = organisation_data("NOMMEE", [(k, z, 2) for k in TYPES for z in ZONES])
    for (_, tenant), last in zip([(h, t) for h in file["housings"] for t in h["tenants"]],
                                 itertools.cycle(NAMES)):
        tenant["lastName"] = last
    await import_organisations(api, file, organisation_data("VOISINE", [("PRIVE", "971", 3)]))
    organisation = await Organisation.get(name="NOMMEE")
    world = World(file, organisation.id)
    await assert_names_exact()

    # when / then
    await holds_for_examples(lambda steps: _check(api, world, steps),
                             st.lists(operation, min_size=1, max_size=5), EXAMPLES)


async def test_twenty_imports_at_once_keep_the_names_exact(api):
    # given: 20 organisations' files whose tenants share last names, already imported
    files = [organisation_data(f"ENSEMBLE{i}", [("PRIVE", "14", 3), ("CONVENTIONNE", "971", 2)])
             for i in range(20)]
    for i, file in enumerate(files):
        for j, (_, tenant) in enumerate((h, t) for h in file["housings"] for t in h["tenants"]):
            tenant["lastName"] = NAMES[(i + j) % len(NAMES)]
    await import_organisations(api, *files)
    # when: each file renames and moves its tenants, the 20 imports at once
    for i, file in enumerate(files):
        first, second = file["housings"]
        second["tenants"].append(first["tenants"].pop())
        for j, (_, tenant) in enumerate((h, t) for h in file["housings"] for t in h["tenants"]):
            tenant["lastName"] = NAMES[(i * 3 + j) % len(NAMES)]
    await asyncio.gather(*(import_organisations(api, file) for file in files))
    # then
    await assert_names_exact()
    for file in files:
        await assert_searches_exact((await Organisation.get(name=file["name"])).id)
