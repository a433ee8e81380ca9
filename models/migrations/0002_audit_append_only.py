# The audit trail is append-only: on PostgreSQL the database itself refuses to change or remove
# an event, whoever asks (the application never does; a test greps the code for it). SQLite has
# no roles to tell the application from an operator, so it relies on the code and the hash chain.
# `append_only`, `dropped` and `on_postgres` are reused by later migrations for other append-only
# tables (0014's checkpoints), with the same trigger function.
from tortoise import migrations
from tortoise.migrations import operations as ops

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'P0001';
END;
$$ LANGUAGE plpgsql;
"""


def append_only(table: str) -> str:
    """The triggers refusing UPDATE, DELETE and TRUNCATE on `table`."""
    return f"""
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""


def dropped(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
"""


CREATE = FUNCTION + append_only("audit_event")
DROP = dropped("audit_event") + "DROP FUNCTION IF EXISTS audit_event_append_only();\n"


def on_postgres(sql: str):
    async def run(apps, schema_editor) -> None:
        if schema_editor.client.capabilities.dialect == "postgres":
            await schema_editor.client.execute_script(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        ops.RunPython(on_postgres(CREATE), on_postgres(DROP)),
    ]
