# Audit checkpoints: a signed, chained mark every N events, so that verifying the trail costs
# what was added since the last one. Events get a digest version: existing ones keep version 1,
# new ones hash a cheaper canonical form (version 2); adding the column updates no row. Append-only like the trail itself (0002): on PostgreSQL the
# database refuses to change or remove one.
from tortoise import fields, migrations
from tortoise.migrations import operations as ops

CREATE = """
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_checkpoint;
DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint;
"""


def _on_postgres(sql: str):
    async def run(apps, schema_editor) -> None:
        if schema_editor.client.capabilities.dialect == "postgres":
            await schema_editor.client.execute_script(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0013_validity_periods")]

    operations = [
        ops.AddField(model_name="AuditEvent", name="digest_version",
                     field=fields.SmallIntField(default=1)),
        ops.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_event_id', fields.BigIntField(unique=True)),
                ('events', fields.BigIntField()),
                ('event_digest', fields.CharField(max_length=64)),
                ('prev_digest', fields.CharField(max_length=64)),
                ('digest', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'audit_checkpoint', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunPython(_on_postgres(CREATE), _on_postgres(DROP)),
    ]
