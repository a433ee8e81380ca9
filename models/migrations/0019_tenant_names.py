# A search of a common term reads a page, not every match of the term (issue 14, step b).
#
# A term's matches on the last name are whole groups of the list's order (last_name, first_name,
# id): the names of the scope that match, each an ordered index range. So:
# - `tenant.other_text`: the search text without the last name (first name, commune, numéro,
#   postal code; models.tenant_copies.other_text), written with search_text by every writer,
#   with its own trigram index (PostgreSQL: GIN with the scope columns, like 0018; SQLite: an
#   FTS5 table `tenant_other_search` kept by triggers, like 0018's `tenant_search`);
# - `tenant_name`: the distinct last names per (organisation, housing type, département), their
#   normalised text and how many tenants carry them, kept by triggers in the writing statement
#   (PostgreSQL: statement-level with transition tables, under the counters' per-organisation
#   locks taken in the same order as 0017's; SQLite: row triggers, one writer at a time).
# The normalised last name is the search text's head: search_text = name_text || ' ' ||
# other_text when both are non-empty (normalise works per character and collapses the joining
# space), so the triggers derive it in SQL (`name_text`). A later migration that rebuilds
# `tenant` on SQLite drops this one's triggers (as 0018's): it must create them again.
import importlib
import json

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from models.tenant_copies import normalise

locks = importlib.import_module("models.migrations.0017_counter_locks")

NAMES_AT_ONCE = 5_000  # (name, normalised) pairs bound per UPDATE: within 32,767 parameters
KEY = "organisation_id, housing_type, departement, last_name"
INDEX = "tenant_scope_other_trgm"
NAMES_INDEX = "tenant_name_trgm"


def name_text(row: str) -> str:
    """The normalised last name of `row`, from its search and other texts."""
    s, o = f"{row}.search_text", f"{row}.other_text"
    return (f"(CASE WHEN {o} = '' THEN {s} WHEN length({s}) > length({o}) "
            f"THEN substr({s}, 1, length({s}) - length({o}) - 1) ELSE '' END)")


TABLE = """
CREATE TABLE IF NOT EXISTS tenant_name (
    organisation_id integer NOT NULL,
    housing_type varchar(12) NOT NULL,
    departement varchar(3) NOT NULL,
    last_name varchar(100) NOT NULL,
    name_text text NOT NULL,
    total integer NOT NULL,
    PRIMARY KEY (organisation_id, housing_type, departement, last_name)
);
"""
_UPSERT = (f"INSERT INTO tenant_name ({KEY}, name_text, total) {{rows}} "
           f"ON CONFLICT ({KEY}) DO UPDATE SET total = tenant_name.total + excluded.total;")


# ---- PostgreSQL: statement-level triggers over transition tables.
def _sides(old: str, new: str) -> str:
    return " UNION ALL ".join(
        f"SELECT {KEY}, {name_text('r')} AS name_text, {sign}1 AS delta FROM {rows} r"
        for rows, sign in ((old, "-"), (new, "")) if rows)


def _pg_body(old: str, new: str) -> str:
    """Lock the organisations touched (0017's order), add the deltas, drop emptied names."""
    touched = " UNION ALL ".join(f"SELECT organisation_id FROM {r} x" for r in (old, new) if r)
    upsert = _UPSERT.format(rows=(
        f"SELECT {KEY}, max(name_text), SUM(delta) FROM ({_sides(old, new)}) AS d WHERE true "
        f"GROUP BY {KEY} HAVING SUM(delta) <> 0 ORDER BY {KEY}"))
    emptied = "" if not old else (
        f"DELETE FROM tenant_name n USING (SELECT DISTINCT {KEY} FROM {old} x) AS o "
        f"WHERE n.total = 0 AND ({', '.join('n.' + k for k in KEY.split(', '))}) = "
        f"({', '.join('o.' + k for k in KEY.split(', '))});")
    return f"{locks._lock(touched)}\n        {upsert}\n        {emptied}"


_MOVED = (f"(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE "
          f"({', '.join('o.' + k for k in KEY.split(', '))}) IS DISTINCT FROM "
          f"({', '.join('n.' + k for k in KEY.split(', '))}))")
_MOVED_NEW = _MOVED.replace("SELECT o.*", "SELECT n.*")
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION tenant_name_tenant() RETURNS trigger AS $$
{locks._DECLARE}
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
        {_pg_body('', 'new_rows')}
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows) THEN
        {_pg_body('old_rows', '')}
        END IF;
    ELSIF EXISTS {_MOVED} THEN
        {_pg_body(_MOVED, _MOVED_NEW)}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
_PG_EVENTS = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows",
              "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
PG_TRIGGERS = "".join(
    f"CREATE TRIGGER tenant_name_{event} AFTER {event.upper()} ON tenant REFERENCING {refs} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION tenant_name_tenant();\n"
    for event, refs in _PG_EVENTS.items())
PG_DROP = "".join(f"DROP TRIGGER IF EXISTS tenant_name_{e} ON tenant;\n" for e in _PG_EVENTS) + (
    "DROP FUNCTION IF EXISTS tenant_name_tenant();\nDROP TABLE IF EXISTS tenant_name;\n"
    f"DROP INDEX IF EXISTS {INDEX};\nALTER TABLE tenant DROP COLUMN IF EXISTS other_text;\n")


# ---- SQLite: row triggers (one writer at a time), and the other text's full-text table.
def _sqlite_side(row: str, sign: str) -> str:
    values = ", ".join(f"{row}.{k}" for k in KEY.split(", "))
    return _UPSERT.format(rows=f"SELECT {values}, {name_text(row)}, {sign}1 WHERE true")


def _sqlite_emptied(row: str) -> str:
    return ("DELETE FROM tenant_name WHERE total = 0 AND "
            + " AND ".join(f"{k} = {row}.{k}" for k in KEY.split(", ")) + ";")


search_index = importlib.import_module("models.migrations.0018_search_index")
_SCOPE = search_index._scope
_ADD = search_index.fts_add("tenant_other_search", "other", "other_text")
_REMOVE = search_index.fts_remove("tenant_other_search", "other", "other_text")
_CHANGED = " OR ".join(f"OLD.{k} IS NOT NEW.{k}" for k in KEY.split(", "))
SQLITE_TRIGGERS = f"""
CREATE VIRTUAL TABLE tenant_other_search USING fts5(scope, other, content='', tokenize='trigram');
CREATE TRIGGER tenant_name_insert AFTER INSERT ON tenant BEGIN
    {_sqlite_side('NEW', '')} {_ADD} END;
CREATE TRIGGER tenant_name_delete AFTER DELETE ON tenant BEGIN
    {_sqlite_side('OLD', '-')} {_sqlite_emptied('OLD')} {_REMOVE} END;
CREATE TRIGGER tenant_name_update AFTER UPDATE OF {KEY}, search_text, other_text ON tenant
    WHEN {_CHANGED} BEGIN
    {_sqlite_side('OLD', '-')} {_sqlite_side('NEW', '')} {_sqlite_emptied('OLD')} END;
CREATE TRIGGER tenant_other_update
    AFTER UPDATE OF id, organisation_id, housing_type, departement, other_text ON tenant
    BEGIN {_REMOVE} {_ADD} END;
"""
SQLITE_DROP = """
DROP TRIGGER IF EXISTS tenant_other_update;
DROP TRIGGER IF EXISTS tenant_name_update;
DROP TRIGGER IF EXISTS tenant_name_delete;
DROP TRIGGER IF EXISTS tenant_name_insert;
DROP TABLE IF EXISTS tenant_other_search;
DROP TABLE IF EXISTS tenant_name;
ALTER TABLE tenant DROP COLUMN other_text;
"""
BACKFILL_NAMES = _UPSERT.format(rows=(
    f"SELECT {KEY}, max({name_text('t')}), COUNT(*) FROM tenant t WHERE true GROUP BY {KEY} "
    f"ORDER BY {KEY}"))
SQLITE_BACKFILL_OTHER = (f"INSERT INTO tenant_other_search (rowid, scope, other) "
                         f"SELECT id, {_SCOPE('tenant')}, other_text FROM tenant;")


async def _fill_other_text(client) -> None:
    """SQLite: other_text = search_text less its normalised last name, one UPDATE per batch
    of distinct last names (normalised here, joined as a VALUES list), not one per row."""
    names = [r["last_name"] for r in await client.execute_query_dict(
        "SELECT DISTINCT last_name FROM tenant")]
    for at in range(0, len(names), NAMES_AT_ONCE):
        batch = names[at:at + NAMES_AT_ONCE]
        values = [v for name in batch for v in (name, normalise(name))]
        pairs = f"VALUES {', '.join(f'(?{2 * i + 1}, ?{2 * i + 2})' for i in range(len(batch)))}"
        await client.execute_query(
            f"WITH v(last_name, n) AS ({pairs}) UPDATE tenant SET other_text = CASE "
            f"WHEN v.n = '' THEN tenant.search_text ELSE substr(tenant.search_text, "
            f"length(v.n) + 2) END FROM v WHERE v.last_name = tenant.last_name", values)
        await _fix_odd_rows(client, False, f"SELECT column1 AS last_name, column2 AS n FROM "
                                           f"({pairs})", values)


async def _rewrite_other_text(client) -> None:
    """PostgreSQL: other_text written by rewriting the table (ALTER COLUMN … TYPE … USING),
    every index rebuilt once in bulk; an UPDATE of 3.3M rows pays each index per row (more
    than 5 minutes on bench_1e6). The few distinct last names, normalised here, are a jsonb
    constant of the expression."""
    names = {r["last_name"]: normalise(r["last_name"]) for r in await client.execute_query_dict(
        "SELECT DISTINCT last_name FROM tenant")}
    literal = "'" + json.dumps(names).replace("'", "''") + "'::jsonb"
    n = f"({literal} ->> last_name)"
    await client.execute_script(
        f"ALTER TABLE tenant ALTER COLUMN other_text TYPE text USING (CASE WHEN {n} = '' "
        f"THEN search_text ELSE substr(search_text, length({n}) + 2) END), "
        "ALTER COLUMN other_text DROP DEFAULT;")
    await _fix_odd_rows(client, True,
                        f"SELECT key AS last_name, value AS n FROM jsonb_each_text({literal})", [])


async def _fix_odd_rows(client, postgres: bool, names: str, values: list) -> None:
    """A row whose search text does not start with its normalised name (written by hand)
    gets both texts from its columns."""
    p = (lambda i: f"${i}") if postgres else (lambda i: f"?{i}")
    odd = await client.execute_query_dict(
        f"SELECT DISTINCT t.id, t.last_name, t.first_name, t.allocataire_number, h.commune, "
        f"h.postal_code FROM ({names}) AS v JOIN tenant t ON t.last_name = v.last_name "
        f"JOIN housing h ON h.id = t.housing_id WHERE v.n <> '' AND t.search_text <> v.n "
        f"AND substr(t.search_text, 1, length(v.n) + 1) <> v.n || ' '", values)
    fixes = []
    for r in odd:
        other = normalise(" ".join((r["first_name"], r["commune"], r["allocataire_number"],
                                    r["postal_code"])))
        fixes.append([normalise(f"{r['last_name']} {other}"), other, r["id"]])
    if fixes:
        await client.execute_many(
            f"UPDATE tenant SET search_text = {p(1)}, other_text = {p(2)} WHERE id = {p(3)}",
            fixes)


async def forward(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        # No write between the backfill and the triggers.
        await client.execute_script(
            "LOCK TABLE tenant IN SHARE ROW EXCLUSIVE MODE;"
            "ALTER TABLE tenant ADD COLUMN other_text text NOT NULL DEFAULT '';")
        await _rewrite_other_text(client)
        await client.execute_script(
            TABLE + BACKFILL_NAMES + PG_FUNCTION + PG_TRIGGERS
            + f"CREATE INDEX IF NOT EXISTS {INDEX} ON tenant USING gin (organisation_id, "
              "housing_type, departement, other_text gin_trgm_ops) WITH (fastupdate = off);"
              f"CREATE INDEX IF NOT EXISTS {NAMES_INDEX} ON tenant_name USING gin "
              "(organisation_id, name_text gin_trgm_ops);"
              "ANALYZE tenant; ANALYZE tenant_name;")
    else:
        # SQLite adds a NOT NULL column only with a default (no rebuild of `tenant`, whose
        # triggers 0009 and 0018 made): every writer sets it (tenant_copies.carried).
        await client.execute_script(
            "ALTER TABLE tenant ADD COLUMN other_text text NOT NULL DEFAULT '';")
        await _fill_other_text(client)
        await client.execute_script(TABLE + BACKFILL_NAMES + SQLITE_TRIGGERS
                                    + SQLITE_BACKFILL_OTHER)


async def backward(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    await client.execute_script(PG_DROP if postgres else SQLITE_DROP)


class _StateOnly(ops.AddField):
    """The field in the migrations' state; its column is made by `forward` (with a default
    while the rows are filled, none after on PostgreSQL)."""

    async def database_forward(self, *args, **kwargs) -> None:
        return None

    async def database_backward(self, *args, **kwargs) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [("models", "0018_search_index")]

    operations = [
        ops.RunPython(forward, backward),
        _StateOnly(model_name="Tenant", name="other_text", field=fields.TextField()),
    ]
