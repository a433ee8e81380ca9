"""The `bailleurs` command: serve, import, create-agent."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from tortoise import Tortoise

from bailleurs.settings import load


async def _prepare(settings, demo: bool) -> None:
    """Migrations and demo data once, before uvicorn starts workers that would race on them."""
    from bailleurs.db import init_database

    await init_database(settings.database_url)
    try:
        if demo:
            from bailleurs.demo import load_demo_if_empty

            await load_demo_if_empty(settings)
    finally:
        await Tortoise.close_connections()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load()
    if settings.database_url.startswith("sqlite") and args.workers > 1:
        print("SQLite ne supporte qu'un processus : --workers ignoré.", file=sys.stderr)
        args.workers = 1
    # Workers read the environment: a random secret must be drawn once for all of them.
    os.environ.setdefault("BAILLEURS_SECRET", settings.secret)
    asyncio.run(_prepare(settings, demo=not args.no_demo))
    uvicorn.run(
        "bailleurs.asgi:app", host=args.host, port=args.port, workers=args.workers,
        log_level="info", proxy_headers=False, server_header=False,
        access_log=False,  # ours is structured and leaves out query strings (RequestLogMiddleware)
    )
    return 0


async def _import(path: Path) -> int:
    from bailleurs.db import init_database
    from bailleurs.importer import ImportFileRejected, import_data, parse

    settings = load()
    try:
        data = parse(path.read_text(encoding="utf-8"))
    except ImportFileRejected as exc:
        print(f"Import refusé, rien n'a été importé ({len(exc.problems)} erreur(s)) :",
              file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Impossible de lire {path} : {exc}", file=sys.stderr)
        return 2
    await init_database(settings.database_url)
    try:
        report = await import_data(data, settings)
    finally:
        await Tortoise.close_connections()
    for credentials in report.new_organisations:
        print(json.dumps(credentials, ensure_ascii=False))
    print(f"Import terminé : créés {report.created}, mis à jour {report.updated}.", file=sys.stderr)
    return 0


async def _create_agent(role: str, identifier: str) -> int:
    from bailleurs.agency import create_agent
    from bailleurs.db import init_database

    password = os.environ.get("BAILLEURS_AGENT_PASSWORD")
    if not password:
        print("Définissez BAILLEURS_AGENT_PASSWORD.", file=sys.stderr)
        return 2
    settings = load()
    await init_database(settings.database_url)
    try:
        message = await create_agent(settings, role, identifier, password)
    finally:
        await Tortoise.close_connections()
    print(message, file=sys.stderr)
    return 0 if message.startswith("Compte") else 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bailleurs", description="Offre Bailleurs")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="démarrer le service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-demo", action="store_true", help="ne pas charger les données de démo")
    imp = sub.add_parser("import", help="importer un fichier JSON de la Caf")
    imp.add_argument("file", type=Path)
    agent = sub.add_parser("create-agent", help="créer un compte de la Caf")
    agent.add_argument("--role", choices=["agent_caf", "auditeur"], required=True)
    agent.add_argument("--identifier", required=True)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "import":
        return asyncio.run(_import(args.file))
    return asyncio.run(_create_agent(args.role, args.identifier))


if __name__ == "__main__":
    raise SystemExit(main())
