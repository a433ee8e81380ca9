# Audit checkpoints: a signed, chained mark every N events, so that verifying the trail costs
# what was added since the last one. Events get a digest version: existing ones keep version 1,
# new ones hash a cheaper canonical form (version 2); adding the column updates no row.
# Append-only like the trail itself (0002): on PostgreSQL the
# database refuses to change or remove one.
from importlib import import_module

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

# 0002's helpers: the same triggers and trigger function on the checkpoint table (the module's
# name starts with a digit, hence import_module; the migration loader imports it under that name).
_append_only = import_module("models.migrations.0002_audit_append_only")
CREATE = _append_only.append_only("audit_checkpoint")
DROP = _append_only.dropped("audit_checkpoint")


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
        ops.RunPython(_append_only.on_postgres(CREATE), _append_only.on_postgres(DROP)),
    ]
