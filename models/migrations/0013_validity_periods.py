# Validity periods (issue 17): the user and group states of the audit trail as periods, so that
# an as-of answer reads one row per user instead of replaying the trail; and tenant placements,
# so that a past answer counts the tenants of then. Backfill: the trail is replayed once; groups
# the trail never named hold today's definition from their creation; today's tenants are placed
# in today's housing from their organisation's creation (its first import).
import json

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _is_state(kind: str, after) -> bool:
    if kind == "group":
        return isinstance(after, dict) and "housing_type" in after
    return isinstance(after, dict) and "roles" in after and "groups" in after


async def _trail_periods(client) -> tuple[list[dict], set[int]]:
    """Each user or group event closes its subject's open period and opens the next."""
    periods: list[dict] = []
    opened: dict[tuple, dict] = {}
    named_groups: set[int] = set()
    last_id = 0
    while True:
        rows = await client.execute_query_dict(
            "SELECT id, at, organisation_id, target_type, target_id, after FROM audit_event "
            "WHERE target_type IN ('user', 'group') AND organisation_id IS NOT NULL "
            f"AND target_id IS NOT NULL AND id > {int(last_id)} ORDER BY id LIMIT 5000")
        if not rows:
            return periods, named_groups
        for row in rows:
            last_id, kind, after = row["id"], row["target_type"], _json(row["after"])
            if kind == "group":
                named_groups.add(int(row["target_id"]))
            deleted = kind == "group" and after is None
            if not deleted and not _is_state(kind, after):
                continue
            key = (kind, row["organisation_id"], int(row["target_id"]))
            if key in opened:
                opened.pop(key)["valid_to"] = row["at"]
            if not deleted:
                opened[key] = {"key": key, "valid_from": row["at"], "valid_to": None,
                               "event_id": row["id"], "content": after}
                periods.append(opened[key])


async def backfill(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"

    def insert(table: str, columns: list[str], json_column: str | None = None) -> str:
        marks = [(f"${i}" if postgres else "?") + ("::jsonb" if postgres and c == json_column
                                                   else "") for i, c in enumerate(columns, 1)]
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(marks)})"

    periods, named_groups = await _trail_periods(client)
    columns = {"user": ("user_state_period", "user_id", "state"),
               "group": ("group_state_period", "group_id", "definition")}
    for p in periods:
        kind, organisation_id, target = p["key"]
        table, id_column, content = columns[kind]
        await client.execute_query(
            insert(table, ["organisation_id", id_column, content, "valid_from", "valid_to",
                           "event_id"], content),
            [organisation_id, target, json.dumps(p["content"]), p["valid_from"], p["valid_to"],
             p["event_id"]])
    groups = await client.execute_query_dict(
        "SELECT id, organisation_id, name, housing_type, zones, created_at FROM habilitation_group")
    for g in groups:
        if g["id"] in named_groups:
            continue
        definition = {"name": g["name"], "housing_type": g["housing_type"],
                      "zones": _json(g["zones"])}
        await client.execute_query(
            insert("group_state_period", ["organisation_id", "group_id", "definition",
                                          "valid_from"], "definition"),
            [g["organisation_id"], g["id"], json.dumps(definition), g["created_at"]])
    # One statement: at 10⁶ tenants a row-by-row backfill took minutes (one round trip each).
    await client.execute_query(
        "INSERT INTO tenant_placement (tenant_id, housing_id, organisation_id, housing_type, "
        "departement, valid_from) SELECT t.id, t.housing_id, h.organisation_id, h.housing_type, "
        "h.departement, o.created_at FROM tenant t JOIN housing h ON h.id = t.housing_id "
        "JOIN organisation o ON o.id = h.organisation_id")


async def nothing(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [("models", "0012_user_administration")]

    initial = False

    operations = [
        ops.CreateModel(
            name='GroupStatePeriod',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organisation_id', fields.IntField()),
                ('group_id', fields.IntField()),
                ('definition', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('event_id', fields.BigIntField(null=True)),
            ],
            options={'table': 'group_state_period', 'app': 'models', 'indexes': [Index(fields=['organisation_id', 'valid_from', 'valid_to']), Index(fields=['group_id', 'valid_from'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TenantPlacement',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant_id', fields.IntField()),
                ('housing_id', fields.IntField()),
                ('organisation_id', fields.IntField()),
                ('housing_type', fields.CharField(max_length=12)),
                ('departement', fields.CharField(max_length=3)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tenant_placement', 'app': 'models', 'indexes': [Index(fields=['tenant_id', 'valid_from']), Index(fields=['housing_id', 'valid_to']), Index(fields=['organisation_id', 'valid_from', 'valid_to'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UserStatePeriod',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organisation_id', fields.IntField()),
                ('user_id', fields.IntField()),
                ('state', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('event_id', fields.BigIntField(null=True)),
            ],
            options={'table': 'user_state_period', 'app': 'models', 'indexes': [Index(fields=['organisation_id', 'user_id', 'valid_from']), Index(fields=['organisation_id', 'valid_from', 'valid_to'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunPython(backfill, nothing),
    ]
