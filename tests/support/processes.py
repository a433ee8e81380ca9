"""The real `bailleurs` command run as a child process, with bounded waits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

# The console script installed from [project.scripts], next to the interpreter running the tests.
BAILLEURS = str(Path(sys.executable).with_name("bailleurs"))
REPO = Path(__file__).resolve().parents[2]


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **extra}
    env.pop("SMTP_URL", None)
    return env


def run_cli(
    *args: str, database_url: str, timeout: float = 60, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BAILLEURS, *args],
        env=cli_env(database_url, **extra),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def wait_healthy(url: str, process: subprocess.Popen, timeout: float, log) -> None:
    """Poll `url`/health until it answers 200; fail at once if the process exits, with `log()`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"service exited with {process.returncode}: {log()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"service not healthy after {timeout} s: {log()}")


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class Server:
    """`bailleurs serve` on a free port; stopped (then killed if need be) on exit."""

    def __init__(self, *args: str, database_url: str, port: int, cwd: Path = REPO) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.command = [BAILLEURS, "serve", "--port", str(port), *args]
        self.env, self.cwd = cli_env(database_url), cwd
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=self.cwd,
            text=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_healthy(self.url, self.process, 30, self._stderr_tail)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _stderr_tail(self) -> str:
        # Readable only once the process has exited (read() would block on a live pipe).
        return self.process.stderr.read()[-3000:] if self.process.poll() is not None else ""

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.stderr = self.process.stderr.read()
        self.process.stderr.close()
