# Counters behind the lists' totals and the campaign's figures: how many tenants, and how many
# declarations per campaign year and state (brouillon, transmis), one organisation has per housing
# type × département (year 0 and kind 'tenant': the tenants themselves). Database triggers keep
# them in the transaction of every write to tenant, housing and rent_declaration, whoever writes
# (the import, the wizard, the demo, a bulk COPY); then the table is filled from the rows there.
# non_saisi is not counted: it is what a tenant without a declaration also is (the difference).
#
# Concurrency (PostgreSQL, READ COMMITTED): a trigger with something to count first takes the
# transaction-scoped advisory lock that already serialises the audit trail's writers (resolvers/
# audit/chain.py; every declaration that changes state records an event under it anyway), then
# reads housing and tenants in later statements, each with a new snapshot. Two writers of
# counters are thus serialised, and each counts what the other committed (a housing moved while
# a declaration was transmitted is counted once, where it ended). Holding it from the counted
# write rather than from the audit event keeps one lock order: no deadlock with an import that
# holds it while changing housing. No row is locked FOR SHARE: a trigger never waits for a row.
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.enums import HousingType

KEY = "organisation_id, housing_type, departement, year, kind"
# The audit chain's writers lock (resolvers/audit/chain.py), taken before counting.
WRITERS_LOCK = 715517
PG_LOCK = f"PERFORM pg_advisory_xact_lock({WRITERS_LOCK});"
UNCOUNTED = "'non_saisi'"


def _upsert(deltas: str) -> str:
    """Add the (KEY…, delta) rows of `deltas` to the counters."""
    return (
        f"INSERT INTO tenant_count ({KEY}, total) SELECT {KEY}, SUM(delta) FROM ({deltas}) AS d "
        f"WHERE true GROUP BY {KEY} HAVING SUM(delta) <> 0 ORDER BY {KEY} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET total = tenant_count.total + excluded.total;"
    )


def _housing_key(alias: str) -> str:
    return f"{alias}.organisation_id, {alias}.housing_type, {alias}.departement"


def _tenant_rows(tenants: str, sign: str) -> str:
    """One row per tenant of `tenants` (a relation with housing_id)."""
    return (
        f"SELECT {_housing_key('h')}, 0 AS year, 'tenant' AS kind, {sign}1 AS delta "
        f"FROM {tenants} r JOIN housing h ON h.id = r.housing_id"
    )


def _declaration_rows(declarations: str, sign: str) -> str:
    """One row per counted declaration of `declarations` (tenant_id, year, state)."""
    return (
        f"SELECT {_housing_key('h')}, r.year AS year, r.state AS kind, {sign}1 AS delta "
        f"FROM {declarations} r JOIN tenant t ON t.id = r.tenant_id "
        f"JOIN housing h ON h.id = t.housing_id WHERE r.state <> {UNCOUNTED}"
    )


# ---- PostgreSQL: statement-level triggers reading transition tables (a COPY of 10⁶ rows costs
# one grouped upsert, not 10⁶).
def _pg_function(table: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION tenant_count_{table}() RETURNS trigger AS $$\n"
        f"BEGIN\n{body}\n    RETURN NULL;\nEND;\n$$ LANGUAGE plpgsql;\n"
    )


PG_EVENTS = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}
# A housing is created without tenants and cannot be deleted with some: only its updates count.
PG_TRIGGERS = {"tenant": PG_EVENTS, "housing": {"update": PG_EVENTS["update"]},
               "rent_declaration": PG_EVENTS}


def _pg_triggers(table: str) -> str:
    return "".join(
        f"CREATE TRIGGER tenant_count_{table}_{event} AFTER {event.upper()} ON {table} "
        f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION tenant_count_{table}();\n"
        for event, refs in PG_TRIGGERS[table].items()
    )


# Tenants that changed housing in this statement.
PG_MOVED = (
    "SELECT n.id, o.housing_id AS old_housing, n.housing_id AS new_housing "
    "FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.housing_id <> n.housing_id"
)
PG_TENANT = _pg_function("tenant", f"""
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
            {PG_LOCK}
            {_upsert(_tenant_rows("new_rows", ""))}
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows) THEN
            {PG_LOCK}
            {_upsert(_tenant_rows("old_rows", "-"))}
        END IF;
    ELSIF EXISTS ({PG_MOVED}) THEN
        {PG_LOCK}
        {_upsert(f'''
            WITH moved AS ({PG_MOVED}), sides AS (
                SELECT id, old_housing AS housing_id, -1 AS sign FROM moved
                UNION ALL SELECT id, new_housing, 1 FROM moved)
            SELECT {_housing_key("h")}, 0 AS year, 'tenant' AS kind, s.sign AS delta
                FROM sides s JOIN housing h ON h.id = s.housing_id
            UNION ALL
            SELECT {_housing_key("h")}, d.year, d.state, s.sign
                FROM sides s JOIN housing h ON h.id = s.housing_id
                JOIN rent_declaration d ON d.tenant_id = s.id WHERE d.state <> {UNCOUNTED}''')}
    END IF;""")

# Housings whose organisation, type or département changed: their tenants and declarations move.
PG_HOUSING = _pg_function("housing", f"""
    IF EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.organisation_id, o.housing_type, o.departement)
              IS DISTINCT FROM (n.organisation_id, n.housing_type, n.departement)) THEN
        {PG_LOCK}
        {_upsert(f'''
            WITH sides AS (
                SELECT o.id, {_housing_key("o")}, -1 AS sign FROM old_rows o
                UNION ALL SELECT n.id, {_housing_key("n")}, 1 FROM new_rows n)
            SELECT {_housing_key("s")}, 0 AS year, 'tenant' AS kind, s.sign AS delta
                FROM sides s JOIN tenant t ON t.housing_id = s.id
            UNION ALL
            SELECT {_housing_key("s")}, d.year, d.state, s.sign
                FROM sides s JOIN tenant t ON t.housing_id = s.id
                JOIN rent_declaration d ON d.tenant_id = t.id WHERE d.state <> {UNCOUNTED}''')}
    END IF;""")

# Declarations whose state, year or tenant changed (a saved answer changes none of them).
PG_CHANGED = (
    "SELECT o.tenant_id AS old_tenant, o.year AS old_year, o.state AS old_state, "
    "n.tenant_id AS new_tenant, n.year AS new_year, n.state AS new_state "
    "FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE (o.state, o.year, o.tenant_id) IS DISTINCT FROM (n.state, n.year, n.tenant_id)"
)
PG_DECLARATION = _pg_function("rent_declaration", f"""
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows WHERE state <> {UNCOUNTED}) THEN
            {PG_LOCK}
            {_upsert(_declaration_rows("new_rows", ""))}
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows WHERE state <> {UNCOUNTED}) THEN
            {PG_LOCK}
            {_upsert(_declaration_rows("old_rows", "-"))}
        END IF;
    ELSIF EXISTS ({PG_CHANGED}) THEN
        {PG_LOCK}
        {_upsert(f'''
            WITH changed AS ({PG_CHANGED}), sides AS (
                SELECT old_tenant AS tenant_id, old_year AS year, old_state AS state, -1 AS sign
                    FROM changed
                UNION ALL SELECT new_tenant, new_year, new_state, 1 FROM changed)
            SELECT {_housing_key("h")}, s.year, s.state AS kind, s.sign AS delta
                FROM sides s JOIN tenant t ON t.id = s.tenant_id
                JOIN housing h ON h.id = t.housing_id WHERE s.state <> {UNCOUNTED}''')}
    END IF;""")

PG_CREATE = "".join([
    PG_TENANT, _pg_triggers("tenant"),
    PG_HOUSING, _pg_triggers("housing"),
    PG_DECLARATION, _pg_triggers("rent_declaration"),
])
PG_DROP = "".join(
    f"DROP TRIGGER IF EXISTS tenant_count_{table}_{event} ON {table};\n"
    for table, events in PG_TRIGGERS.items() for event in events
) + "".join(
    f"DROP FUNCTION IF EXISTS tenant_count_{table}();\n"
    for table in PG_TRIGGERS
)


# ---- SQLite: row-level triggers (its writes are serialised: one writer at a time).
def _sqlite_trigger(name: str, event: str, when: str, *statements: str) -> str:
    condition = f" WHEN {when}" if when else ""
    body = "\n    ".join(statements)
    return f"CREATE TRIGGER tenant_count_{name} AFTER {event}{condition} BEGIN\n    {body}\nEND;\n"


def _row(alias: str, columns: str) -> str:
    """A one-row relation of `alias`'s columns (NEW or OLD), for the delta helpers."""
    return "(SELECT " + ", ".join(f"{alias}.{c} AS {c}" for c in columns.split(", ")) + ")"


HOUSING_CHANGED = " OR ".join(
    f"OLD.{c} IS NOT NEW.{c}" for c in ("organisation_id", "housing_type", "departement")
)
DECLARATION_CHANGED = " OR ".join(
    f"OLD.{c} IS NOT NEW.{c}" for c in ("state", "year", "tenant_id")
)


def _sqlite_housing_side(alias: str, sign: str) -> str:
    key = f"{alias}.organisation_id, {alias}.housing_type, {alias}.departement"
    return (
        f"SELECT {key}, 0 AS year, 'tenant' AS kind, {sign}COUNT(*) AS delta "
        f"FROM tenant t WHERE t.housing_id = {alias}.id "
        f"UNION ALL SELECT {key}, d.year, d.state, {sign}COUNT(*) FROM tenant t "
        f"JOIN rent_declaration d ON d.tenant_id = t.id "
        f"WHERE t.housing_id = {alias}.id AND d.state <> {UNCOUNTED} GROUP BY d.year, d.state"
    )


def _sqlite_tenant_side(alias: str, sign: str) -> str:
    return (
        f"SELECT {_housing_key('h')}, d.year, d.state, {sign}1 FROM rent_declaration d "
        f"JOIN housing h ON h.id = {alias}.housing_id "
        f"WHERE d.tenant_id = {alias}.id AND d.state <> {UNCOUNTED}"
    )


SQLITE_CREATE = "".join([
    _sqlite_trigger("tenant_insert", "INSERT ON tenant", "",
                    _upsert(_tenant_rows(_row("NEW", "housing_id"), ""))),
    _sqlite_trigger("tenant_delete", "DELETE ON tenant", "",
                    _upsert(_tenant_rows(_row("OLD", "housing_id"), "-"))),
    _sqlite_trigger(
        "tenant_update", "UPDATE OF housing_id ON tenant", "OLD.housing_id IS NOT NEW.housing_id",
        _upsert(
            f"{_tenant_rows(_row('OLD', 'housing_id'), '-')} UNION ALL "
            f"{_tenant_rows(_row('NEW', 'housing_id'), '')} UNION ALL "
            f"{_sqlite_tenant_side('OLD', '-')} UNION ALL {_sqlite_tenant_side('NEW', '')}"
        ),
    ),
    _sqlite_trigger(
        "housing_update", "UPDATE OF organisation_id, housing_type, departement ON housing",
        HOUSING_CHANGED,
        _upsert(f"{_sqlite_housing_side('OLD', '-')} UNION ALL {_sqlite_housing_side('NEW', '')}"),
    ),
    _sqlite_trigger("rent_declaration_insert", "INSERT ON rent_declaration", "",
                    _upsert(_declaration_rows(_row("NEW", "tenant_id, year, state"), ""))),
    _sqlite_trigger("rent_declaration_delete", "DELETE ON rent_declaration", "",
                    _upsert(_declaration_rows(_row("OLD", "tenant_id, year, state"), "-"))),
    _sqlite_trigger(
        "rent_declaration_update", "UPDATE OF state, year, tenant_id ON rent_declaration",
        DECLARATION_CHANGED,
        _upsert(
            f"{_declaration_rows(_row('OLD', 'tenant_id, year, state'), '-')} UNION ALL "
            f"{_declaration_rows(_row('NEW', 'tenant_id, year, state'), '')}"
        ),
    ),
])
SQLITE_DROP = "".join(
    f"DROP TRIGGER IF EXISTS tenant_count_{name};\n"
    for name in ("tenant_insert", "tenant_delete", "tenant_update", "housing_update",
                 "rent_declaration_insert", "rent_declaration_delete", "rent_declaration_update")
)

# What the rows there already count (and what a test compares the counters with).
BACKFILL = _upsert(
    f"{_tenant_rows('tenant', '')} UNION ALL {_declaration_rows('rent_declaration', '')}"
)


async def create(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        # No write may slip between the triggers' creation and the backfill.
        await client.execute_script(
            "LOCK TABLE housing, tenant, rent_declaration IN SHARE ROW EXCLUSIVE MODE;"
            + PG_CREATE)
    else:
        await client.execute_script(SQLITE_CREATE)
    await client.execute_script(BACKFILL)


async def drop(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    await client.execute_script(PG_DROP if postgres else SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("models", "0008_tenant_scope_columns")]

    operations = [
        ops.CreateModel(
            name="TenantCount",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True,
                                       db_index=True)),
                ("organisation", fields.ForeignKeyField(
                    "models.Organisation", source_field="organisation_id", db_constraint=True,
                    to_field="id", related_name=False, on_delete=OnDelete.RESTRICT)),
                ("housing_type", fields.CharEnumField(
                    description="CONVENTIONNE: conventionne\nPRIVE: prive",
                    enum_type=HousingType, max_length=12)),
                ("departement", fields.CharField(max_length=3)),
                ("year", fields.IntField()),
                ("kind", fields.CharField(max_length=12)),
                ("total", fields.IntField(default=0)),
            ],
            options={
                "table": "tenant_count", "app": "models",
                "unique_together": [("organisation", "housing_type", "departement", "year",
                                     "kind")],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.RunPython(create, drop),
    ]
