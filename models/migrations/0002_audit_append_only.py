# The audit trail is append-only: on PostgreSQL the database itself refuses to change or remove
# an event, whoever asks (the application never does; a test greps the code for it). SQLite has
# no roles to tell the application from an operator, so it relies on the code and the hash chain.
from tortoise import migrations
from tortoise.migrations import operations as ops

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'P0001';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def _on_postgres(sql: str):
    async def run(apps, schema_editor) -> None:
        if schema_editor.client.capabilities.dialect == "postgres":
            await schema_editor.client.execute_script(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        ops.RunPython(_on_postgres(CREATE), _on_postgres(DROP)),
    ]
