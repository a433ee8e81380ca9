# Change declarations and their history: a departure carries the tenant's new address when known
# and whether the month of departure was paid in full; each tenant's changes and unpaid reports
# are read newest first through an index on (tenant, id); and a tenant's departure is declared
# once, guaranteed by the database itself (a partial unique index) so that parallel declarations
# cannot both pass a check. The same statements work on SQLite and PostgreSQL.
from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

INDEX = "uniq_change_one_departure"

CREATE = f"CREATE UNIQUE INDEX {INDEX} ON change_declaration (tenant_id) WHERE kind = 'depart'"
DROP = f"DROP INDEX IF EXISTS {INDEX}"


class Migration(migrations.Migration):
    dependencies = [("models", "0009_tenant_counts")]

    operations = [
        ops.AddField(model_name="ChangeDeclaration", name="new_address",
                     field=fields.CharField(null=True, max_length=300)),
        ops.AddField(model_name="ChangeDeclaration", name="departure_month_paid",
                     field=fields.BooleanField(null=True)),
        ops.AddIndex(model_name="ChangeDeclaration", index=Index(fields=["tenant_id", "id"])),
        ops.AddIndex(model_name="UnpaidRentReport", index=Index(fields=["tenant_id", "id"])),
        ops.RunSQL(CREATE, DROP),
    ]
