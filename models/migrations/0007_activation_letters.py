# Activation letters: a structured postal address (where the letters go), a reissued letter
# password that works beside the first until one is used, and « identifiant perdu » requests
# waiting for the agency. The former free-text address is carried over when its last line reads
# "<postal code> <commune>"; otherwise the next import fills it in.
import re

from tortoise import fields
from tortoise.migrations import operations as ops

from models.migrations._sqlite_rebuild import (
    NoTransactionOnSqlite,
    foreign_keys_off,
    foreign_keys_on,
)

_LAST_LINE = re.compile(r"^(\d{5})\s+(.+)$")


def structured(text: str) -> tuple[str, str | None, str, str] | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = _LAST_LINE.match(lines[-1]) if len(lines) >= 2 else None
    if found is None:
        return None
    middle = " ".join(lines[1:-1]) if len(lines) > 2 else None
    line1, line2 = lines[0], middle
    return line1[:38], (line2[:38] if line2 else None), found.group(1), found.group(2)[:32]


async def carry_addresses(apps, schema_editor) -> None:
    client = schema_editor.client
    rows = await client.execute_query_dict(
        "SELECT id, postal_address FROM organisation WHERE postal_address IS NOT NULL")
    postgres = client.capabilities.dialect == "postgres"
    marks = ("$1", "$2", "$3", "$4", "$5") if postgres else ("?",) * 5
    sql = ("UPDATE organisation SET postal_line1 = {}, postal_line2 = {}, postal_code = {}, "
           "postal_commune = {} WHERE id = {}").format(*marks)
    for row in rows:
        parts = structured(row["postal_address"])
        if parts is not None:
            await client.execute_query(sql, [*parts, row["id"]])


async def nothing(apps, schema_editor) -> None:
    return None


class Migration(NoTransactionOnSqlite):
    # Removing the free-text address rebuilds `organisation` on SQLite, which users, housing and
    # groups point at: foreign keys off around it (a database with data failed here before).
    dependencies = [("models", "0006_one_email_per_active_user")]

    operations = [
        ops.AddField(model_name="Organisation", name="postal_line1",
                     field=fields.CharField(null=True, max_length=38)),
        ops.AddField(model_name="Organisation", name="postal_line2",
                     field=fields.CharField(null=True, max_length=38)),
        ops.AddField(model_name="Organisation", name="postal_code",
                     field=fields.CharField(null=True, max_length=5)),
        ops.AddField(model_name="Organisation", name="postal_commune",
                     field=fields.CharField(null=True, max_length=32)),
        ops.RunPython(carry_addresses, nothing),
        ops.RunPython(foreign_keys_off, foreign_keys_on),
        ops.RemoveField(model_name="Organisation", name="postal_address"),
        ops.RunPython(foreign_keys_on, foreign_keys_off),
        ops.AddField(model_name="Organisation", name="reissued_password_hash",
                     field=fields.CharField(null=True, max_length=200)),
        ops.AddField(model_name="Organisation", name="letters_requested_at",
                     field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
    ]
