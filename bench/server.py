"""A real uvicorn on loopback serving `bench.asgi:app`, started and stopped by the bench."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (robust to a busy machine, unlike wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, database_url: str, workers: int = 1, app: str = "bench.asgi:app",
                 env: dict[str, str] | None = None) -> None:
        self.database_url, self.workers, self.app = database_url, workers, app
        self.extra_env = env or {}
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.startup_s = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        # Sessions slide by the idle timeout on use: the bench's must outlive a long run.
        env = {**os.environ, "DATABASE_URL": self.database_url, "COOKIE_SECURE": "false",
               "SESSION_IDLE_MINUTES": str(10 * 365 * 24 * 60), **self.extra_env}
        env.pop("SMTP_URL", None)
        env.pop("BAILLEURS_DEMO", None)
        command = [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1",
                   "--port", str(self.port), "--no-access-log", "--log-level", "warning"]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        started = time.perf_counter()
        # The product logs every request: keep that out of the bench's output (and tell it on
        # failure).
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self._wait_ready(started)
        return self

    def _wait_ready(self, started: float, timeout: float = 60.0) -> None:
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                self.log.seek(0)
                tail = self.log.read()[-3000:].decode(errors="replace")
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}:\n{tail}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    self.startup_s = time.perf_counter() - started
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise TimeoutError("uvicorn did not answer /health")

    def worker_pids(self) -> list[int]:
        """The processes serving requests: uvicorn's children with --workers, else itself."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(c) for c in children] if self.workers > 1 else [pid]

    def workers_cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.log.close()
