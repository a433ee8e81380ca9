"""Test harness: a real database per test (SQLite file or a PostgreSQL database cloned from a
migrated template), the app over HTTP through httpx, and a real SMTP server (aiosmtpd).

TEST_DATABASE_URL selects PostgreSQL, e.g. postgres://postgres@127.0.0.1:55432/postgres;
without it the suite runs on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import shutil
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlparse, urlunparse

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager

# Cheap argon2 for the suite; the production cost is measured in bench/ and one test.
os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("ARGON2_MEMORY_KIB", "1024")

from bailleurs.app import create_app  # noqa: E402
from bailleurs.settings import Settings  # noqa: E402
from tests.accounts.operations import LOGIN  # noqa: E402
from tests.support.demo_world import DemoWorld, prepare_world  # noqa: E402
from tests.support.world import World, build_world  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL")


async def wait_until(predicate, limit: float = 10.0) -> None:
    """Poll `predicate` (plain or async) until true, failing after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not (await result if inspect.isawaitable(result := predicate()) else result):
        assert time.monotonic() < deadline, "condition never met"
        await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_db(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


class PostgresDatabases:
    """Migrates one template database per run; each test gets a fresh copy of it."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url.replace("postgres://", "postgresql://", 1)
        self.template = f"tmpl_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = [self.template]

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def prepare(self) -> None:
        from bailleurs.db import migrate_database

        await self._admin(f'CREATE DATABASE "{self.template}"')
        await migrate_database(_with_db(PG_URL, self.template))

    async def fresh(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return _with_db(PG_URL, name)

    async def empty(self) -> str:
        """A database with no tables at all, for the migrations themselves."""
        name = f"e_{uuid.uuid4().hex[:12]}"
        await self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return _with_db(PG_URL, name)

    async def drop_all(self) -> None:
        for name in reversed(self.created):
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def postgres() -> AsyncIterator[PostgresDatabases | None]:
    if not PG_URL:
        yield None
        return
    dbs = PostgresDatabases(PG_URL)
    await dbs.prepare()
    try:
        yield dbs
    finally:
        await dbs.drop_all()


@pytest.fixture(scope="session")
async def sqlite_template(postgres, tmp_path_factory) -> str | None:
    """One migrated SQLite file per run: migrating a fresh file costs ~1.6 s, a copy ~1 ms."""
    if postgres is not None:
        return None
    from bailleurs.db import migrate_database

    path = tmp_path_factory.mktemp("template") / "db.sqlite3"
    await migrate_database(f"sqlite://{path}")
    return str(path)


@pytest.fixture
async def database_url(postgres, sqlite_template, tmp_path) -> str:
    if postgres is not None:
        return await postgres.fresh()
    # Only the main file: migrate_database closed its connections, which checkpoints the WAL.
    shutil.copyfile(sqlite_template, tmp_path / "db.sqlite3")
    return f"sqlite://{tmp_path}/db.sqlite3"


@pytest.fixture
async def empty_database_url(postgres, tmp_path) -> str:
    if postgres is not None:
        return await postgres.empty()
    return f"sqlite://{tmp_path}/empty.sqlite3"


class Mailbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        # Runs in the controller's own thread and loop: list.append is the hand-over.
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        async def enough() -> None:
            while len(self.messages) < count:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(enough(), timeout)
        return self.messages


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> SmtpServer:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(database_url, smtp, tmp_path) -> Settings:
    return replace(
        Settings(),
        database_url=database_url,
        smtp_url=smtp.url,
        spool_dir=str(tmp_path / "spool"),
        secret="test-secret",
        cookie_secure=True,
        campaign_year=2026,
        mail_poll_seconds=0.05,
        mail_retry_base_seconds=0.1,
    )


class Api:
    """A GraphQL client over HTTP, with helpers to log in."""

    def __init__(self, client: httpx.AsyncClient, app) -> None:
        self.client = client
        self.app = app

    @property
    def services(self):
        return self.app.state.services

    async def post(self, query: str, variables: dict | None = None, token: str | None = None,
                   **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers,
            **kwargs,
        )
        # A login's Set-Cookie must not turn later anonymous requests into that user's: tests
        # that exercise cookie sessions pass their cookies explicitly.
        self.client.cookies.clear()
        return response

    async def gql(self, query: str, variables: dict | None = None,
                  token: str | None = None) -> dict:
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def ok(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        body = await self.gql(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def error(self, query: str, variables: dict | None = None,
                    token: str | None = None) -> dict:
        body = await self.gql(query, variables, token)
        assert body.get("errors"), body
        return body["errors"][0]

    async def login(self, identifier: str, password: str) -> str:
        data = await self.ok(LOGIN, {"identifier": identifier, "password": password})
        assert data["login"]["requiredActions"] == [], data
        return data["login"]["token"]


@contextlib.asynccontextmanager
async def serving(app) -> AsyncIterator[Api]:
    """The app started (lifespan) and a client talking to it over HTTP."""
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            yield Api(client, app)


@pytest.fixture
async def api(settings) -> AsyncIterator[Api]:
    async with serving(create_app(settings)) as client:
        yield client


@pytest.fixture
async def world(api) -> World:
    """Two imported organisations, A with four groups and users for every kind of grant and
    refusal, B with its administrator, and an auditor (tests/support/world.py)."""
    return await build_world(api)


@pytest.fixture
async def demo_world(api) -> DemoWorld:
    """The demo data plus users, groups and a declaration in both of its organisations, for the
    hardening tests that walk the whole schema (tests/support/demo_world.py)."""
    return await prepare_world(api)
