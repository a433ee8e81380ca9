# The counters' triggers (0009) serialise per organisation instead of on the audit trail's global
# lock: two organisations' writes no longer wait on each other (issue 14).
#
# Why a lock at all: a trigger reads housing and tenants to place what it counts, and a write
# moving a housing or a tenant counts the declarations it sees committed. A declaration written
# while its tenant's housing moves must be counted where the housing ends, so the two are
# serialised and each counting statement runs after the lock, with a snapshot showing the other's
# commit. Both only ever touch the organisations of the rows they read: a transaction-scoped
# advisory lock per organisation (two-key form: its own key space, first key COUNTER_LOCKS) is
# enough. The upsert itself needs none: ON CONFLICT DO UPDATE is atomic per row, and its rows
# come sorted (one lock order, no deadlock between two upserts).
#
# A trigger locks the organisations of the rows it counts in ascending order, then reads them
# again: a row moved to another organisation meanwhile (a tenant re-imported elsewhere) adds that
# organisation's lock, until nothing new appears. Each also holds a shared lock on "every
# organisation", which a bulk statement (more than MANY organisations: a COPY of a whole data
# set) takes exclusively instead of one lock per organisation.
#
# Lock order with the audit trail: every writer counts (organisation locks) before it records its
# audit event (global lock), as the wizard does; the import records its events after its writes,
# and imports run one at a time (counters.serialise_imports): they lock organisations in their
# file's order.
import importlib

from tortoise import migrations
from tortoise.migrations import operations as ops

counts = importlib.import_module("models.migrations.0009_tenant_counts")

COUNTER_LOCKS = 715518  # counters.COUNTER_LOCKS (a migration keeps its own values)
EVERY = -1  # second key: every organisation (held shared by each counting statement)
# A statement counting rows of more organisations than this (a bulk load) locks them all at
# once: PostgreSQL's lock table holds a few thousand locks for the whole server.
MANY = 32
_DECLARE = ("DECLARE held integer[] := '{}'; fresh integer[]; org integer;\n"
            "BEGIN\n")


def _lock(organisations: str) -> str:
    """Lock each organisation `organisations` (a query of one integer column) names, ascending,
    until it names none not held; beyond MANY, every organisation at once."""
    return f"""LOOP
            SELECT array_agg(DISTINCT o ORDER BY o) INTO fresh FROM ({organisations}) AS s(o)
                WHERE o IS NOT NULL AND o <> ALL (held);
            EXIT WHEN fresh IS NULL;
            IF cardinality(held) + cardinality(fresh) > {MANY} THEN
                PERFORM pg_advisory_xact_lock({COUNTER_LOCKS}, {EVERY});
                EXIT;
            END IF;
            PERFORM pg_advisory_xact_lock_shared({COUNTER_LOCKS}, {EVERY});
            FOREACH org IN ARRAY fresh LOOP
                PERFORM pg_advisory_xact_lock({COUNTER_LOCKS}, org);
            END LOOP;
            held := held || fresh;
        END LOOP;"""


def _of_housings(rows: str, column: str = "housing_id") -> str:
    return f"SELECT h.organisation_id FROM {rows} r JOIN housing h ON h.id = r.{column}"


def _of_tenants(rows: str, column: str = "tenant_id") -> str:
    return (f"SELECT h.organisation_id FROM {rows} r JOIN tenant t ON t.id = r.{column} "
            f"JOIN housing h ON h.id = t.housing_id")


# Each trigger's lock sites, in the order they appear in its 0009 body.
SITES = {
    counts.PG_TENANT: [
        _of_housings("new_rows"),
        _of_housings("old_rows"),
        f"{_of_housings('old_rows')} UNION ALL {_of_housings('new_rows')}",
    ],
    counts.PG_HOUSING: [
        "SELECT organisation_id FROM old_rows UNION ALL SELECT organisation_id FROM new_rows",
    ],
    counts.PG_DECLARATION: [
        _of_tenants("new_rows"),
        _of_tenants("old_rows"),
        f"{_of_tenants('old_rows')} UNION ALL {_of_tenants('new_rows')}",
    ],
}


def _per_organisation(function: str, sites: list[str]) -> str:
    assert function.count(counts.PG_LOCK) == len(sites)
    for organisations in sites:
        function = function.replace(counts.PG_LOCK, _lock(organisations), 1)
    return function.replace("RETURNS trigger AS $$\nBEGIN\n", f"RETURNS trigger AS $$\n{_DECLARE}")


CREATE = "".join(_per_organisation(f, sites) for f, sites in SITES.items())
GLOBAL = "".join(SITES)


def _on_postgres(sql: str):
    async def run(apps, schema_editor) -> None:
        if schema_editor.client.capabilities.dialect == "postgres":
            await schema_editor.client.execute_script(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0016_org_order_index")]

    operations = [ops.RunPython(_on_postgres(CREATE), _on_postgres(GLOBAL))]
