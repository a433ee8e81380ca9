"""Throughput with wrk (Debian's package) and a Lua script for the POST bodies.

A GraphQL error travels in a 200 response, so the script also counts bodies carrying `"errors"`
and responses other than 200; both must stay at 0.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

LUA = """
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD_RESPONSES %%d\\n", total))
end
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def parse(output: str) -> dict:
    result: dict = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])}
    for pct in ("50", "99"):
        result[f"p{pct}_ms"] = _ms(re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+\w+)", output)[1])
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    # Non-2xx responses are among the bad responses counted by the script.
    result["errors"] = int(re.search(r"BAD_RESPONSES (\d+)", output)[1]) + (
        sum(int(n) for n in socket.groups()) if socket else 0
    )
    result["requests"] = int(re.search(r"(\d+) requests in", output)[1])
    return result


def run(url: str, body: dict, token: str, seconds: int, connections: int = 64,
        threads: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(LUA % {"body": _lua_string(json.dumps(body)), "token": token})
        output = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
             "--timeout", "10s", "-s", str(script), url],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout
    return parse(output)
