"""What metrics and traces cost on the tenant page: two servers on one bench database, one plain,
one with METRICS_TOKEN and an OTLP endpoint (a local sink that accepts the spans and drops them),
requests interleaved so that both share the machine's state; medians, their ratio, and the
servers' CPU seconds per request.

    uv run python -m bench.generate --size 1e4 --db sqlite
    uv run python -m bench.observability --size 1e4 --db sqlite [--rounds 300]
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from bench.data import AGENT_TOKEN
from bench.generate import database_url
from bench.page import PAGE_BODY, _post, stats_ms
from bench.server import Server, free_port


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args) -> None:
        return None


def measure(url: str, rounds: int, warmup: int = 30, parts: str = "metrics,traces") -> dict:
    sink = ThreadingHTTPServer(("127.0.0.1", free_port()), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    observed_env = {}
    if "metrics" in parts:
        observed_env["METRICS_TOKEN"] = "bench"
    if "traces" in parts:
        observed_env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{sink.server_port}"
    samples: dict[str, list[float]] = {"plain": [], "metrics + traces": []}
    cpu: dict[str, float] = {}
    try:
        with Server(url) as plain, Server(url, env=observed_env) as observed, \
                httpx.Client(timeout=30) as client:
            servers = {"plain": plain, "metrics + traces": observed}
            for i in range(warmup + rounds):
                if i == warmup:
                    cpu = {name: s.workers_cpu_seconds() for name, s in servers.items()}
                for name, server in servers.items():
                    elapsed, body = _post(client, f"{server.url}/graphql", AGENT_TOKEN, PAGE_BODY)
                    assert "errors" not in body, body
                    if i >= warmup:
                        samples[name].append(elapsed)
            cpu = {name: (s.workers_cpu_seconds() - cpu[name]) / rounds * 1000
                   for name, s in servers.items()}
            scraped = client.get(f"{observed.url}/metrics",
                                 headers={"authorization": "Bearer bench"}).text
    finally:
        sink.shutdown()
    stats = {name: stats_ms(s) for name, s in samples.items()}
    return {
        "rounds": rounds,
        "median_ms": {name: round(s["median"], 2) for name, s in stats.items()},
        "cpu_ms_per_request": {name: round(v, 2) for name, v in cpu.items()},
        "ratio_median": round(stats["metrics + traces"]["median"] / stats["plain"]["median"], 3),
        "ratio_cpu": round(cpu["metrics + traces"] / cpu["plain"], 3),
        "parts": parts,
        "metrics_seen": "bailleurs_requests_total" in scraped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1e4")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--parts", default="metrics,traces", help="metrics, traces or both")
    args = parser.parse_args()
    url = database_url(args.size, args.db)
    print(json.dumps(measure(url, args.rounds, parts=args.parts), indent=2))


if __name__ == "__main__":
    main()
