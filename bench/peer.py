"""The peer: PostGraphile 4.14 with row-level security over the same PostgreSQL database.

- `install()`: `npm ci` from the committed `bench/peer/package.json` + `package-lock.json` into
  `bench/peer/node_modules` (gitignored), once;
- `setup(url)`: a role `bench_peer_reader` (SELECT on tenant, housing, rent_declaration) and
  policies giving it the product's scope: the caller's session (token hash in the setting
  `bench.token_hash`) → user → its `g` lines → their `p` lines for `read` → (type, zone) pairs.
  Tuned as PostgreSQL's row security wants it: the scope is computed once per statement
  (`(SELECT f())` is an InitPlan, not a call per row), and the tenant's own scope columns are used
  when the schema has them. The product connects as the owner and is not affected;
- `PeerServer`: `node bench/peer/server.js` with 1 or more workers;
- `page_rows`: the same 50-row page (`allTenants` ordered by last name, first name, id) in the
  shape of ours, for the bench's check that both return the same rows in the same order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

from bench.server import free_port

PEER_DIR = Path(__file__).with_name("peer")
PEER_PAGE = """query Page($first: Int!, $year: Int!) {
  allTenants(first: $first, orderBy: [LAST_NAME_ASC, FIRST_NAME_ASC, ID_ASC]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id allocataireNumber lastName firstName
      housingByHousingId { postalCode commune departement housingType }
      rentDeclarationsByTenantId(condition: {year: $year}) { nodes { state } } } }
  }
}"""

_SCOPE = """
DO $$ BEGIN CREATE ROLE bench_peer_reader NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT USAGE ON SCHEMA public TO bench_peer_reader;
GRANT SELECT ON tenant, housing, rent_declaration TO bench_peer_reader;
CREATE SCHEMA IF NOT EXISTS bench_peer;
GRANT USAGE ON SCHEMA bench_peer TO bench_peer_reader;
CREATE OR REPLACE FUNCTION bench_peer.grants()
RETURNS TABLE (organisation_id int, pair text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $f$
  SELECT u.organisation_id, p.v2 || '/' || p.v3
  FROM session s
  JOIN app_user u ON u.id = s.user_id AND u.status = 'active'
  JOIN casbin_rule g ON g.ptype = 'g' AND g.v0 = 'u:' || u.id
                    AND g.v2 = 'org:' || u.organisation_id
  JOIN casbin_rule p ON p.ptype = 'p' AND p.v0 = g.v1 AND p.v1 = g.v2 AND p.v4 = 'read'
  WHERE s.token_hash = current_setting('bench.token_hash', true)
    AND s.revoked_at IS NULL AND s.expires_at > now() AND s.absolute_expires_at > now()
$f$;
CREATE OR REPLACE FUNCTION bench_peer.org() RETURNS int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $f$
  SELECT min(organisation_id) FROM bench_peer.grants()
$f$;
CREATE OR REPLACE FUNCTION bench_peer.pairs() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $f$
  SELECT coalesce(array_agg(pair), '{}') FROM bench_peer.grants()
$f$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench_peer TO bench_peer_reader;
"""


def _in_scope(table: str) -> str:
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS bench_scope ON {table};
CREATE POLICY bench_scope ON {table} FOR SELECT TO bench_peer_reader USING (
  organisation_id = (SELECT bench_peer.org())
  AND (housing_type || '/' || departement = ANY ((SELECT bench_peer.pairs())::text[])
       OR '*/*' = ANY ((SELECT bench_peer.pairs())::text[])
       OR housing_type || '/*' = ANY ((SELECT bench_peer.pairs())::text[])
       OR '*/' || departement = ANY ((SELECT bench_peer.pairs())::text[])));
"""


def _through(table: str, parent: str, column: str) -> str:
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS bench_scope ON {table};
CREATE POLICY bench_scope ON {table} FOR SELECT TO bench_peer_reader USING (
  EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{column}));
"""


def install() -> Path:
    """node_modules from the lock file (npm's cache makes later installs offline)."""
    if not (PEER_DIR / "node_modules" / "postgraphile").exists():
        if shutil.which("npm") is None:
            raise RuntimeError("npm is needed for the peer (PostGraphile)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                       cwd=PEER_DIR, check=True, capture_output=True, timeout=600)
    return PEER_DIR


async def setup(url: str) -> None:
    from bench.generate import _asyncpg_url

    conn = await asyncpg.connect(_asyncpg_url(url))
    try:
        columns = {r[0] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'tenant'")}
        own_scope = {"organisation_id", "housing_type", "departement"} <= columns
        await conn.execute(_SCOPE)
        await conn.execute(_in_scope("housing"))
        await conn.execute(_in_scope("tenant") if own_scope
                           else _through("tenant", "housing", "housing_id"))
        await conn.execute(_through("rent_declaration", "tenant", "tenant_id"))
    finally:
        await conn.close()


class PeerServer:
    def __init__(self, url: str, workers: int = 1, pool_size: int = 10) -> None:
        self.url_db = url.replace("asyncpg://", "postgres://", 1)
        self.workers, self.pool_size = workers, pool_size
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def __enter__(self) -> PeerServer:
        env = {**os.environ, "PEER_DATABASE_URL": self.url_db, "PEER_PORT": str(self.port),
               "PEER_WORKERS": str(self.workers), "PEER_POOL_SIZE": str(self.pool_size),
               "NODE_ENV": "production"}
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(["node", str(PEER_DIR / "server.js")], cwd=PEER_DIR,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        started = time.perf_counter()
        while time.perf_counter() - started < 120:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("PostGraphile exited:\n" + self.log.read()[-3000:].decode())
            try:
                r = httpx.post(self.url, json={"query": "{ __typename }"}, timeout=5)
                if r.status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError("PostGraphile did not answer")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def page_body(year: int, first: int = 50) -> dict:
    return {"query": PEER_PAGE, "variables": {"first": first, "year": year}}


def page_rows(body: dict) -> tuple[int, list[tuple]]:
    """(totalCount, rows) of a PostGraphile page, in the shape of `ours_rows`."""
    assert "errors" not in body, body
    conn = body["data"]["allTenants"]
    rows = []
    for edge in conn["edges"]:
        n, h = edge["node"], edge["node"]["housingByHousingId"]
        states = n["rentDeclarationsByTenantId"]["nodes"]
        rows.append((str(n["id"]), n["allocataireNumber"], n["lastName"], n["firstName"],
                     h["postalCode"], h["commune"], h["departement"], h["housingType"].upper(),
                     (states[0]["state"] if states else "non_saisi").upper()))
    return conn["totalCount"], rows


def ours_rows(body: dict) -> tuple[int, list[tuple]]:
    assert "errors" not in body, body
    conn = body["data"]["tenants"]
    rows = []
    for edge in conn["edges"]:
        n, h = edge["node"], edge["node"]["housing"]
        rows.append((n["id"], n["allocataireNumber"], n["lastName"], n["firstName"],
                     h["postalCode"], h["commune"], h["departement"], h["type"].upper(),
                     n["declarationState"].upper()))
    return conn["totalCount"], rows
