"""The real `bailleurs` command, as the README and the agency run it."""

import httpx

from bailleurs.demo import DEMO_LOGINS
from tests.accounts.operations import LOGIN
from tests.conftest import free_port
from tests.support.processes import Server, run_cli

AGENT_PASSWORD = "Agent-Caf-Tres-Long-2026!"


async def test_create_agent_reads_its_password_from_the_environment(api, database_url):
    # when
    created = run_cli(
        "create-agent",
        "--role",
        "auditeur",
        "--identifier",
        "CAF.CONTROLE",
        database_url=database_url,
        BAILLEURS_AGENT_PASSWORD=AGENT_PASSWORD,
    )
    without = run_cli(
        "create-agent",
        "--role",
        "agent_caf",
        "--identifier",
        "CAF.AUTRE",
        database_url=database_url,
        BAILLEURS_AGENT_PASSWORD="",
    )
    # then
    assert created.returncode == 0, created.stderr
    assert "Compte auditeur créé : CAF.CONTROLE" in created.stderr
    assert AGENT_PASSWORD not in created.stdout + created.stderr
    assert without.returncode == 2 and "BAILLEURS_AGENT_PASSWORD" in without.stderr
    await api.login("CAF.CONTROLE", AGENT_PASSWORD)


def graphql(server: Server, query: str, variables: dict | None = None, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_serve_without_demo_starts_empty(database_url, tmp_path):
    with Server("--no-demo", database_url=database_url, port=free_port(), cwd=tmp_path) as server:
        page = httpx.get(f"{server.url}/graphql", headers={"accept": "text/html"}, timeout=10)
        refused = graphql(
            server,
            LOGIN,
            {"identifier": "OLIVIERS.ADMIN", "password": DEMO_LOGINS["OLIVIERS.ADMIN"]},
        )
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert server.process.returncode is not None
    # The first line says where it answers and what is on; no stray ORM chatter.
    first = server.stderr.splitlines()[0]
    assert first.startswith(f"Offre Bailleurs sur {server.url}/graphql — console GraphiQL activée")
    assert "sans données de démonstration" in first and "courriels" in first
    assert "Tortoise-ORM" not in server.stderr


async def test_serve_loads_the_demo_on_an_empty_database(database_url, tmp_path):
    # two workers (one on SQLite): migrations and demo data are done once, before them
    with Server(
        "--workers", "2", database_url=database_url, port=free_port(), cwd=tmp_path
    ) as server:
        login = graphql(
            server,
            LOGIN,
            {"identifier": "OLIVIERS.ADMIN", "password": DEMO_LOGINS["OLIVIERS.ADMIN"]},
        )
        token = login["data"]["login"]["token"]
        me = graphql(server, "{ me { organisation { name } } rentCampaign { total } }", token=token)
    assert me["data"] == {
        "me": {"organisation": {"name": "LES OLIVIERS"}},
        "rentCampaign": {"total": 6},
    }
