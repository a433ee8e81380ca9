# A search reads the matches of the caller's scope, not the scope (issue 14).
#
# PostgreSQL: the trigram index also carries the scope columns (btree_gin: `=` on plain columns
# inside a GIN index), so one bitmap scan per (housing type, zone) arm intersects the term's
# trigrams with the arm's rows in the index itself: a small scope's rare matches are found
# without visiting the organisation's other matches, a big scope's without walking its ordered
# range. It serves every query the former search_text trigram index served (GIN reads any
# subset of its columns), which it replaces. Without a pending list (fastupdate off): every
# search would read the rows written since the last vacuum, and the planner, counting them, would
# walk the ranges meanwhile; a write pays its trigrams at once instead.
#
# SQLite: an FTS5 table with the trigram tokenizer (SQLite ≥ 3.34) over the search text and a
# `scope` text "/organisation/type/département/", so that one MATCH intersects the term with the
# caller's organisation or arms inside the full-text index. Contentless (only rowids are read
# back), kept by triggers on tenant in the writing statement. A later migration that rebuilds
# `tenant` on SQLite (AlterField) drops these triggers: it must create them again.
from tortoise import migrations
from tortoise.migrations import operations as ops

FORMER = "tenant_search_text_trgm"
INDEX = "tenant_scope_search_trgm"

POSTGRES = f"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX IF NOT EXISTS {INDEX} ON tenant
    USING gin (organisation_id, housing_type, departement, search_text gin_trgm_ops)
    WITH (fastupdate = off);
DROP INDEX IF EXISTS {FORMER};
"""
POSTGRES_BACK = f"""
CREATE INDEX IF NOT EXISTS {FORMER} ON tenant USING gin (search_text gin_trgm_ops);
DROP INDEX IF EXISTS {INDEX};
"""


def _scope(row: str) -> str:
    """The scope text of a tenant row (resolvers.declarations.tenant_pages.scope_phrase)."""
    return (f"'/' || {row}.organisation_id || '/' || {row}.housing_type || '/' || "
            f"{row}.departement || '/'")


def fts_add(table: str, column: str, text: str) -> str:
    """A trigger's statement indexing the NEW row's `text` in a contentless FTS5 table."""
    return (f"INSERT INTO {table} (rowid, scope, {column}) VALUES (new.id, {_scope('new')}, "
            f"new.{text});")


def fts_remove(table: str, column: str, text: str) -> str:
    """A trigger's statement taking the OLD row out (contentless: the old values are given)."""
    return (f"INSERT INTO {table} ({table}, rowid, scope, {column}) VALUES ('delete', "
            f"old.id, {_scope('old')}, old.{text});")


_ADD = fts_add("tenant_search", "words", "search_text")
_REMOVE = fts_remove("tenant_search", "words", "search_text")
SQLITE = f"""
CREATE VIRTUAL TABLE tenant_search USING fts5(scope, words, content='', tokenize='trigram');
INSERT INTO tenant_search (rowid, scope, words)
    SELECT id, {_scope('tenant')}, search_text FROM tenant;
CREATE TRIGGER tenant_search_insert AFTER INSERT ON tenant BEGIN {_ADD} END;
CREATE TRIGGER tenant_search_delete AFTER DELETE ON tenant BEGIN {_REMOVE} END;
CREATE TRIGGER tenant_search_update
    AFTER UPDATE OF id, organisation_id, housing_type, departement, search_text ON tenant
    BEGIN {_REMOVE} {_ADD} END;
"""
SQLITE_BACK = """
DROP TRIGGER IF EXISTS tenant_search_update;
DROP TRIGGER IF EXISTS tenant_search_delete;
DROP TRIGGER IF EXISTS tenant_search_insert;
DROP TABLE IF EXISTS tenant_search;
"""


def _script(postgres: str, sqlite: str):
    async def run(apps, schema_editor) -> None:
        client = schema_editor.client
        await client.execute_script(postgres if client.capabilities.dialect == "postgres"
                                    else sqlite)

    return run


class Migration(migrations.Migration):
    dependencies = [("models", "0017_counter_locks")]

    operations = [ops.RunPython(_script(POSTGRES, SQLITE), _script(POSTGRES_BACK, SQLITE_BACK))]
