"""The product's app plus one bench-only route: the tenant page without GraphQL.

`POST /bare/tenants` runs the same session lookup, the same scope, the same SQL (the product's own
`list_tenants`, whose page statement reads each row's state) and returns the same JSON as the
GraphQL query `bench.queries.PAGE_QUERY` (checked equal by run.py). The difference in time
between the two is the price of the GraphQL layer.

`POST /bare/sql` is barer still: the statements our GraphQL page sends (captured by
`bench.statements`, file named by `BENCH_STATEMENTS`) replayed in order on a plain asyncpg pool of
the product's size (prepared statements, as the product's), the rows returned as JSON. No session
logic, no ORM, no GraphQL: what Python and asyncpg cost around our SQL.

Served by uvicorn as `bench.asgi:app`; never part of the product.
"""

from __future__ import annotations

import asyncio
import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bailleurs.app import create_app
from bailleurs.settings import Settings
from policies.guard import Guard
from resolvers.accounts.sessions import resolve_session
from resolvers.declarations.counters import row_state
from resolvers.declarations.tenants import list_tenants
from resolvers.shared.context import Context
from schema.common import encode_cursor


async def bare_tenants(request: Request) -> Response:
    services = request.app.state.services
    auth = request.headers.get("authorization", "")
    principal = await resolve_session(services.settings, auth[7:].strip()) if auth else None
    if principal is None:
        return JSONResponse({"errors": [{"message": "non authentifié"}]}, status_code=401)
    ctx = Context(request=request, services=services, principal=principal,
                  guard=Guard(principal, services.scopes), client_ip="")
    year = services.settings.campaign_year
    page = await list_tenants(ctx, 50, None, year)
    edges = []
    for row, key in zip(page.rows, page.keys, strict=True):
        h = row.housing
        edges.append({"cursor": encode_cursor(key), "node": {
            "id": str(row.id), "allocataireNumber": row.allocataire_number,
            "lastName": row.last_name, "firstName": row.first_name,
            "housing": {"postalCode": h.postal_code, "commune": h.commune,
                        "departement": h.departement, "type": h.housing_type.name},
            "declarationState": row_state(row).name,
        }})
    return JSONResponse({"data": {"tenants": {
        "totalCount": page.total,
        "pageInfo": {"hasNextPage": page.has_next,
                     "endCursor": edges[-1]["cursor"] if edges else None},
        "edges": edges,
    }}})


_pool = None
_pool_lock = asyncio.Lock()


async def bare_sql(request: Request) -> Response:
    global _pool
    import asyncpg

    from bench.generate import _asyncpg_url
    from bench.statements import load

    async with _pool_lock:
        if _pool is None:
            settings = request.app.state.services.settings
            request.app.state.bare_statements = load(os.environ["BENCH_STATEMENTS"])
            _pool = await asyncpg.create_pool(_asyncpg_url(settings.database_url), min_size=1,
                                              max_size=settings.db_pool_size)
    results = []
    async with _pool.acquire() as conn:
        for sql, args in request.app.state.bare_statements:
            results.append([dict(r) for r in await conn.fetch(sql, *args)])
    return Response(json.dumps({"results": results}, default=str),
                    media_type="application/json")


def build_app(settings: Settings | None = None) -> Starlette:
    app = create_app(settings)
    app.router.routes.append(Route("/bare/tenants", bare_tenants, methods=["POST"]))
    app.router.routes.append(Route("/bare/sql", bare_sql, methods=["POST"]))
    return app
