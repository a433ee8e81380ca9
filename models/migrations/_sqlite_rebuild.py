"""What a migration needs when SQLite rebuilds a table (removing a column, making one NOT NULL).

SQLite alters such a table by creating a new one and dropping the old: with rows elsewhere
pointing at it, the drop breaks their foreign keys unless they are off meanwhile — SQLite's own
procedure for altering a table. The pragma is ignored inside a transaction, so such a migration
runs without one on SQLite (`NoTransactionOnSqlite`), in one on PostgreSQL. The loader skips
modules whose name starts with "_": this one is not a migration.
"""

from tortoise import connections, migrations


def _sqlite(schema_editor) -> bool:
    return schema_editor.client.capabilities.dialect == "sqlite"


async def foreign_keys_off(apps, schema_editor) -> None:
    if _sqlite(schema_editor):
        await schema_editor.client.execute_script("PRAGMA foreign_keys = OFF")


async def foreign_keys_on(apps, schema_editor) -> None:
    """Back on, after checking that the rebuild left every foreign key whole."""
    if _sqlite(schema_editor):
        client = schema_editor.client
        broken = await client.execute_query_dict("PRAGMA foreign_key_check")
        await client.execute_script("PRAGMA foreign_keys = ON")
        if broken:
            raise RuntimeError(f"foreign keys broken by a table rebuild: {broken[:5]}")


class NoTransactionOnSqlite(migrations.Migration):
    @property  # type: ignore[override]
    def atomic(self) -> bool:
        return connections.get("default").capabilities.dialect != "sqlite"
