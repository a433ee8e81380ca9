# User administration and the agency's view: a user suspended by an agent of the Caf (apart from
# the status, so that reinstating gives back the same account), and the organisation's name
# folded for the agency's accent-insensitive search (filled here for the existing rows).
import unicodedata

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


def folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


async def fill_search_names(apps, schema_editor) -> None:
    client = schema_editor.client
    rows = await client.execute_query_dict("SELECT id, name FROM organisation")
    mark = ("$1", "$2") if client.capabilities.dialect == "postgres" else ("?", "?")
    sql = f"UPDATE organisation SET search_name = {mark[0]} WHERE id = {mark[1]}"
    for row in rows:
        await client.execute_query(sql, [folded(row["name"]), row["id"]])


async def nothing(apps, schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [("models", "0011_repayment_plans")]

    operations = [
        ops.AddField(model_name="User", name="suspended_at",
                     field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
        ops.AddField(model_name="Organisation", name="search_name",
                     field=fields.CharField(null=True, max_length=200)),
        ops.RunPython(fill_search_names, nothing),
    ]
