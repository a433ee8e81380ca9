# The tenant row carries its housing's scope columns (organisation, housing type, département)
# and a normalised search text, so that a list reads one ordered index range per (type, zone)
# of the caller's scope instead of sorting the whole scope after a join (issue 14). Existing rows
# are filled from their housing; the columns become NOT NULL once filled. On PostgreSQL the
# search text gets a trigram index (pg_trgm ships with the Debian postgresql package).
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.enums import HousingType
from models.migrations._sqlite_rebuild import (
    NoTransactionOnSqlite,
    foreign_keys_off,
    foreign_keys_on,
)
from models.tenant_copies import normalise

BATCH = 5_000
TRIGRAM_INDEX = "tenant_search_text_trgm"


async def fill_from_housing(apps, schema_editor) -> None:
    client = schema_editor.client
    await client.execute_query(
        "UPDATE tenant SET (organisation_id, housing_type, departement) = ("
        "SELECT h.organisation_id, h.housing_type, h.departement FROM housing h "
        "WHERE h.id = tenant.housing_id)")
    postgres = client.capabilities.dialect == "postgres"
    page = ("SELECT t.id, t.last_name, t.first_name, t.allocataire_number, h.commune, "
            "h.postal_code FROM tenant t JOIN housing h ON h.id = t.housing_id WHERE t.id > {} "
            "ORDER BY t.id LIMIT {}").format(*(("$1", "$2") if postgres else ("?", "?")))
    update = "UPDATE tenant SET search_text = {} WHERE id = {}".format(
        *(("$1", "$2") if postgres else ("?", "?")))
    last = 0
    while rows := await client.execute_query_dict(page, [last, BATCH]):
        # The same text as tenant_copies.search_text, from plain columns.
        await client.execute_many(update, [[normalise(" ".join((
            r["last_name"], r["first_name"], r["commune"], r["allocataire_number"],
            r["postal_code"]))), r["id"]] for r in rows])
        last = rows[-1]["id"]


async def trigram_index(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_query("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        await client.execute_query(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON tenant "
            "USING gin (search_text gin_trgm_ops)")


async def drop_trigram_index(apps, schema_editor) -> None:
    await schema_editor.client.execute_query(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


async def nothing(apps, schema_editor) -> None:
    return None


def _housing_type(null: bool):
    return fields.CharEnumField(description='CONVENTIONNE: conventionne\nPRIVE: prive',
                                enum_type=HousingType, max_length=12, null=null)


class Migration(NoTransactionOnSqlite):
    # Foreign keys off around the NOT NULL rebuilds of `tenant` (its declarations point at it).
    dependencies = [("models", "0007_activation_letters")]

    operations = [
        ops.AddField(model_name="Tenant", name="organisation_id", field=fields.IntField(null=True)),
        ops.AddField(model_name="Tenant", name="housing_type", field=_housing_type(True)),
        ops.AddField(model_name="Tenant", name="departement",
                     field=fields.CharField(max_length=3, null=True)),
        ops.AddField(model_name="Tenant", name="search_text", field=fields.TextField(null=True)),
        ops.RunPython(fill_from_housing, nothing),
        ops.RunPython(foreign_keys_off, foreign_keys_on),
        ops.AlterField(model_name="Tenant", name="organisation_id", field=fields.IntField()),
        ops.AlterField(model_name="Tenant", name="housing_type", field=_housing_type(False)),
        ops.AlterField(model_name="Tenant", name="departement",
                       field=fields.CharField(max_length=3)),
        ops.AlterField(model_name="Tenant", name="search_text", field=fields.TextField()),
        ops.RunPython(foreign_keys_on, foreign_keys_off),
        ops.AddIndex(model_name="Tenant", index=Index(fields=[
            "organisation_id", "housing_type", "departement", "last_name", "first_name", "id"])),
        ops.AddIndex(model_name="Tenant", index=Index(fields=[
            "organisation_id", "housing_type", "last_name", "first_name", "id"])),
        ops.RunPython(trigram_index, drop_trigram_index),
    ]
