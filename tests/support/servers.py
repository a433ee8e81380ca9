"""Real service processes for the hardening tests: `python -m uvicorn bailleurs.asgi:app` on a free
loopback port, waited for with a bound, killed by pid (never by name)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.accounts.operations import LOGIN
from tests.conftest import free_port
from tests.support.processes import wait_healthy

ROOT = Path(__file__).resolve().parents[2]


def service_env(settings, **extra: str) -> dict[str, str]:
    """The environment matching the test's settings, so processes share sessions and data."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": settings.database_url,
        "BAILLEURS_SECRET": settings.secret,
        "CAMPAIGN_YEAR": str(settings.campaign_year),
        "SPOOL_DIR": settings.spool_dir,
        "MAIL_POLL_SECONDS": str(settings.mail_poll_seconds),
        "MAIL_RETRY_BASE_SECONDS": str(settings.mail_retry_base_seconds),
        "WATCHER_PING_SECONDS": "0.5",
        "DB_CONNECT_TIMEOUT_SECONDS": "2",
        "DB_COMMAND_TIMEOUT_SECONDS": "5",
        "ARGON2_TIME_COST": os.environ.get("ARGON2_TIME_COST", "1"),
        "ARGON2_MEMORY_KIB": os.environ.get("ARGON2_MEMORY_KIB", "1024"),
    })
    if settings.smtp_url:
        env["SMTP_URL"] = settings.smtp_url
    env.pop("BAILLEURS_DEMO", None)
    env.update(extra)
    return env


@dataclass
class ServiceProcess:
    env: dict[str, str]
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        command = [sys.executable, "-m", "uvicorn", "bailleurs.asgi:app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "warning", "--no-server-header"]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        # A process group of its own, so workers die with their supervisor.
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log,
                                        start_new_session=True)
        try:
            wait_healthy(self.url, self.process, timeout, self.log)
        except AssertionError:
            self.stop()
            raise
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path else ""

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown hook runs."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    async def login(self, client: httpx.AsyncClient, identifier: str, password: str) -> str:
        response = await client.post(f"{self.url}/graphql", json={
            "query": LOGIN, "variables": {"identifier": identifier, "password": password}})
        return response.json()["data"]["login"]["token"]

    async def gql(self, client: httpx.AsyncClient, query: str, variables: dict | None = None,
                  token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.post(f"{self.url}/graphql", headers=headers,
                                     json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        return response.json()
