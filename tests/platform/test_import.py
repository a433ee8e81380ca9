"""The agency import: idempotent, all or nothing, one group per (type, département)."""

import json

import pytest

from bailleurs.importer import ImportFileRejected, parse
from models import CasbinRule, HabilitationGroup, Housing, Organisation, Payment, Tenant
from tests.accounts.operations import LOGIN
from tests.support.factories import import_organisations, organisation_data
from tests.support.processes import json_lines, run_cli

TENANT = "organisations[1].housings[0].tenants[0]"
IMPORTED = (Organisation, Housing, Tenant, Payment, HabilitationGroup, CasbinRule)


async def dump() -> dict[str, list[dict]]:
    return {m.__name__: await m.all().order_by("id").values() for m in IMPORTED}


def agency_file(tmp_path, *organisations: dict, name: str = "caf.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"organisations": list(organisations)}, ensure_ascii=False))
    return path


def with_payments(org: dict) -> dict:
    numbers = [t["allocataireNumber"] for h in org["housings"] for t in h["tenants"]]
    org["payments"] = [
        {"allocataireNumber": n, "month": "2026-06", "amountCents": 15000} for n in numbers
    ]
    return org


async def test_second_import_of_the_same_file_changes_nothing(api, database_url, tmp_path):
    # given
    first = with_payments(
        organisation_data("ALPHA", [("CONVENTIONNE", "14", 2), ("PRIVE", "2A", 1)])
    )
    second = organisation_data("BETA", [("PRIVE", "971", 1)])
    path = agency_file(tmp_path, first, second)
    done = run_cli("import", str(path), database_url=database_url)
    assert done.returncode == 0, done.stderr
    before = await dump()
    # when
    again = run_cli("import", str(path), database_url=database_url)
    # then
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""
    assert await dump() == before
    assert {k: len(v) for k, v in before.items()} == {
        "Organisation": 2,
        "Housing": 3,
        "Tenant": 4,
        "Payment": 3,
        "HabilitationGroup": 3,
        "CasbinRule": len(before["CasbinRule"]),
    }
    letters = json_lines(done.stdout)
    assert [(c["organisation"], c["userNumber"]) for c in letters] == [
        ("ALPHA", first["userNumber"]),
        ("BETA", second["userNumber"]),
    ]
    assert all(
        set(c) == {"organisation", "userNumber", "identifier", "initialPassword"} for c in letters
    )
    # and the letters open the first login
    credentials = {
        "identifier": letters[0]["identifier"],
        "password": letters[0]["initialPassword"],
    }
    data = await api.ok(LOGIN, credentials)
    assert sorted(data["login"]["requiredActions"]) == [
        "ACCEPT_TERMS",
        "ACCEPT_USAGE_RULES",
        "COMPLETE_PROFILE",
        "SET_PASSWORD",
    ]


async def test_groups_one_per_type_and_departement_recomputed_on_reimport(api):
    # given
    org = organisation_data(
        "DELTA", [("CONVENTIONNE", "14", 1), ("CONVENTIONNE", "14", 1), ("PRIVE", "14", 1)]
    )
    await import_organisations(api, org)
    names = await HabilitationGroup.all().order_by("name").values_list("name", "zones")
    assert names == [("Logements conventionnés – 14", ["14"]), ("Logements privés – 14", ["14"])]
    # when: the agency's next file brings housing in a new département
    org["housings"].append(
        {
            **org["housings"][0],
            "ref": "new",
            "departement": "2B",
            "postalCode": "20200",
            "tenants": [],
        }
    )
    await import_organisations(api, org)
    # then
    names = await HabilitationGroup.all().order_by("name").values_list("name", "housing_type")
    assert [n for n, _ in names] == [
        "Logements conventionnés – 14",
        "Logements conventionnés – 2B",
        "Logements privés – 14",
    ]
    group = await HabilitationGroup.get(name="Logements conventionnés – 2B")
    assert await CasbinRule.filter(ptype="p", v0=f"grp:{group.id}").exists()


def _break(org: dict, where: str, value) -> dict:
    target = org
    *path, last = where.split(".")
    for part in path:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return org


@pytest.mark.parametrize(
    ("where", "value", "named"),
    [
        (
            "housings.0.departement",
            "20",
            "organisations[1].housings[0].departement : département inconnu '20'",
        ),
        (
            "housings.0.departement",
            "99",
            "organisations[1].housings[0].departement : département inconnu '99'",
        ),
        (
            "housings.0.tenants.0.allocataireNumber",
            "12345678",
            TENANT + ".allocataireNumber : numéro allocataire invalide",
        ),
        (
            "housings.0.tenants.0.allocataireNumber",
            "12A45",
            TENANT + ".allocataireNumber : numéro allocataire invalide",
        ),
        ("userNumber", "SHORT", "organisations[1].userNumber : N° utilisateur invalide"),
        ("userNumber", "abcdefghijklmn", "organisations[1].userNumber : N° utilisateur invalide"),
        ("housings.0.commune", "X" * 101, "organisations[1].housings[0].commune : trop long"),
        (
            "housings.0.tenants.0.colocation",
            "non",
            "organisations[1].housings[0].tenants[0].colocation",
        ),
        ("postalAddress", "12 RUE X", "organisations[1].postalAddress : type inattendu"),
        (
            "postalAddress",
            {"line1": "12 RUE X", "commune": "CAEN"},
            "organisations[1].postalAddress.postalCode : champ obligatoire manquant",
        ),
        (
            "postalAddress",
            {"line1": "12 RUE X", "postalCode": "1400", "commune": "CAEN"},
            "organisations[1].postalAddress.postalCode : code postal invalide",
        ),
        (
            "postalAddress",
            {"line1": "X" * 39, "postalCode": "14000", "commune": "CAEN"},
            "organisations[1].postalAddress.line1 : trop long",
        ),
        (
            "postalAddress",
            {"line1": "X", "postalCode": "14000", "commune": "CAEN", "pays": "FR"},
            "organisations[1].postalAddress : champs inconnus",
        ),
    ],
)
def test_bad_field_is_named(where, value, named):
    good = organisation_data("BON", [("CONVENTIONNE", "14", 1)])
    bad = _break(organisation_data("MAUVAIS", [("PRIVE", "14", 1)]), where, value)
    with pytest.raises(ImportFileRejected) as refused:
        parse(json.dumps({"organisations": [good, bad]}))
    assert any(p.startswith(named) for p in refused.value.problems), refused.value.problems


async def test_postal_address_is_stored_and_replaced_as_a_whole(api):
    org = organisation_data("GAMMA", [("PRIVE", "14", 1)])
    org["postalAddress"] = {"line1": "SERVICE GESTION", "line2": "3 PLACE X",
                            "postalCode": "14000", "commune": "CAEN"}
    await import_organisations(api, org)
    row = await Organisation.get(user_number=org["userNumber"])
    assert row.postal_lines == ["GAMMA", "SERVICE GESTION", "3 PLACE X", "14000 CAEN"]
    org["postalAddress"] = {"line1": "5 RUE Y", "postalCode": "14200", "commune": "HEROUVILLE"}
    await import_organisations(api, org)
    await row.refresh_from_db()
    assert row.postal_lines == ["GAMMA", "5 RUE Y", "14200 HEROUVILLE"]


def test_malformed_json_names_the_line():
    with pytest.raises(ImportFileRejected) as refused:
        parse('{"organisations": [\n  {"name": "X",}\n]}')
    assert refused.value.problems == [
        "ligne 2, colonne 16 : JSON invalide (Expecting property name enclosed in double quotes)"
    ]


async def test_refused_file_imports_nothing(api, database_url, tmp_path):
    # given: a good organisation first, then one with an unknown département
    good = organisation_data("BON", [("CONVENTIONNE", "14", 2)])
    bad = _break(organisation_data("MAUVAIS", [("PRIVE", "14", 1)]), "housings.0.departement", "99")
    # when
    done = run_cli("import", str(agency_file(tmp_path, good, bad)), database_url=database_url)
    # then
    assert done.returncode == 2 and done.stdout == ""
    assert "rien n'a été importé" in done.stderr
    assert "organisations[1].housings[0].departement : département inconnu '99'" in done.stderr
    assert all(not rows for rows in (await dump()).values())
