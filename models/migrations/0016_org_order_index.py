# The organisation's tenants in the list's order: a caller whose scope covers most of its
# organisation over many (housing type, département) pairs reads one range of it, the pairs as
# a filter, rather than merging one range per pair (resolvers/declarations/tenant_pages.py).
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0015_tenant_departures")]

    operations = [
        ops.AddIndex(model_name="Tenant", index=Index(fields=[
            "organisation_id", "last_name", "first_name", "id"])),
    ]
