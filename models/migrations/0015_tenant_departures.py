# A tenant's departure is dated in its placements (issue 17): the period in force at the
# departure's instant (its effective day's start in Europe/Paris) ends there, and a period marked
# `departed_at` follows in the same housing (the landlord keeps the file: access does not end).
# Backfill: the departures already declared, in the housing the tenant is in (the one they left).
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

PARIS = ZoneInfo("Europe/Paris")
COLUMNS = ("tenant_id", "housing_id", "organisation_id", "housing_type", "departement",
           "valid_from", "valid_to", "departed_at")


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _instant(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def date_departures(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"

    def mark(i: int) -> str:
        return f"${i}" if postgres else "?"

    departures = await client.execute_query_dict(
        "SELECT c.tenant_id, c.event_date, t.housing_id FROM change_declaration c "
        "JOIN tenant t ON t.id = c.tenant_id WHERE c.kind = 'depart'")
    for d in departures:
        left = datetime.combine(_day(d["event_date"]), time.min, tzinfo=PARIS).astimezone(UTC)
        rows = await client.execute_query_dict(
            f"SELECT * FROM tenant_placement WHERE tenant_id = {mark(1)} "
            f"AND housing_id = {mark(2)} AND departed_at IS NULL ORDER BY valid_from, id",
            [d["tenant_id"], d["housing_id"]])
        for r in rows:
            start, end = _instant(r["valid_from"]), r["valid_to"]
            if end is not None and _instant(end) <= left:
                continue
            if start >= left:
                await client.execute_query(
                    f"UPDATE tenant_placement SET departed_at = {mark(1)} WHERE id = {mark(2)}",
                    [left, r["id"]])
                continue
            await client.execute_query(
                f"UPDATE tenant_placement SET valid_to = {mark(1)} WHERE id = {mark(2)}",
                [left, r["id"]])
            values = [r[c] for c in COLUMNS[:5]] + [left, end, left]
            marks = ", ".join(mark(i) for i in range(1, len(COLUMNS) + 1))
            await client.execute_query(
                f"INSERT INTO tenant_placement ({', '.join(COLUMNS)}) VALUES ({marks})", values)


async def nothing(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [("models", "0014_audit_checkpoints")]

    operations = [
        ops.AddField(model_name="TenantPlacement", name="departed_at",
                     field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
        ops.RunPython(date_departures, nothing),
    ]
