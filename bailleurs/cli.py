"""The `bailleurs` command: serve, import, create-agent, remind-repayment-plans, audit head."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from datetime import date
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


@contextlib.asynccontextmanager
async def _database(settings) -> AsyncIterator[None]:
    from bailleurs.db import init_database

    await init_database(settings.database_url)
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def _documents(args: argparse.Namespace) -> int:
    from bailleurs import trusted_documents as documents
    from models import TrustedDocument

    async with _database(load()):
        if args.documents_command == "add":
            try:
                manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
                added, known = await documents.register(manifest, args.client or args.manifest.stem)
            except (OSError, ValueError) as exc:
                print(f"Impossible de lire {args.manifest} : {exc}", file=sys.stderr)
                return 2
            except documents.ManifestRejected as exc:
                print("Manifeste refusé, rien n'a été enregistré "
                      f"({len(exc.problems)} erreur(s)) :", file=sys.stderr)
                for problem in exc.problems:
                    print(f"  - {problem}", file=sys.stderr)
                return 2
            print(f"Documents enregistrés : {added} nouveau(x), {known} déjà connu(s).",
                  file=sys.stderr)
        elif args.documents_command == "list":
            for row in await TrustedDocument.all().order_by("client", "added_at", "sha256"):
                print(json.dumps({"documentId": f"sha256:{row.sha256}", "client": row.client,
                                  "addedAt": row.added_at.isoformat()}, ensure_ascii=False))
        else:
            hashes = [h.removeprefix("sha256:") for h in args.hashes]
            removed = await TrustedDocument.filter(sha256__in=hashes).delete()
            print(f"Documents retirés : {removed} sur {len(hashes)} (les autres processus "
                  "les oublient en une minute au plus).", file=sys.stderr)
    return 0


def start_line(settings, args: argparse.Namespace) -> str:
    """What a person starting the service reads first: where it answers and what is on."""
    url = f"http://{args.host}:{args.port}/graphql"
    console = "console GraphiQL activée" if settings.graphiql else "console GraphiQL désactivée"
    demo = "sans données de démonstration" if args.no_demo else "données de démonstration"
    mail = (f"courriels envoyés par {settings.smtp_url.split('@')[-1]}" if settings.smtp_url
            else f"courriels écrits dans {Path(settings.spool_dir) / 'mail'}/")
    return f"Offre Bailleurs sur {url} — {console}, {demo}, {mail}."


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load()
    if settings.database_url.startswith("sqlite") and args.workers > 1:
        print("SQLite ne supporte qu'un processus : --workers ignoré.", file=sys.stderr)
        args.workers = 1
    # Workers read the environment: a random secret must be drawn once for all of them.
    os.environ.setdefault("BAILLEURS_SECRET", settings.secret)
    if settings.metrics_token and args.workers > 1 and not os.environ.get(
        "PROMETHEUS_MULTIPROC_DIR"
    ):
        # Every worker writes its counters there; /metrics adds them up (prometheus-client).
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bailleurs-metrics-")
    asyncio.run(_prepare(settings, demo=not args.no_demo))
    print(start_line(settings, args), file=sys.stderr, flush=True)
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


async def _remind(on: date | None) -> int:
    """One run of the service's reminders job (e.g. from cron): safe beside running services."""
    from resolvers.declarations.repayment_reminders import queue_due_reminders

    settings = load()
    async with _database(settings):
        queued = await queue_due_reminders(settings, on)
    print(f"Rappels de plan d'apurement mis en file : {queued}.", file=sys.stderr)
    return 0


async def _audit_head() -> int:
    """The trail's head, to keep outside the database: given back to verifyAuditChain(anchor:)
    it reveals the newest events deleted, which nothing left in the database can show."""
    from resolvers.audit.verification import current_head

    async with _database(load()):
        head = await current_head()
    if head is None:
        print("Le journal d'audit est vide.", file=sys.stderr)
        return 1
    print(json.dumps(head.as_graphql()))
    return 0


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
    remind = sub.add_parser(
        "remind-repayment-plans",
        help="mettre en file les rappels de plan d'apurement dus (chacun une seule fois)",
    )
    remind.add_argument("--on", type=date.fromisoformat, help="jour de référence (AAAA-MM-JJ)")
    audit = sub.add_parser("audit", help="le journal d'audit")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser(
        "head", help="écrire la tête du journal (JSON), à conserver hors de la base comme ancre"
    )
    schema = sub.add_parser("schema", help="le contrat du schéma GraphQL")
    schema_sub = schema.add_subparsers(dest="schema_command", required=True)
    schema_sub.add_parser("print", help="écrire le SDL du schéma en vigueur")
    check = schema_sub.add_parser(
        "check", help="lister les changements cassants et risqués depuis une version du SDL"
    )
    check.add_argument("old", type=Path, nargs="?", help="par défaut : schema.graphql")
    docs = sub.add_parser("documents", help="les documents de confiance des clients")
    docs_sub = docs.add_subparsers(dest="documents_command", required=True)
    add = docs_sub.add_parser("add", help="enregistrer le manifeste d'un client")
    add.add_argument("manifest", type=Path)
    add.add_argument("--client", help="nom du client (par défaut : nom du fichier)")
    docs_sub.add_parser("list", help="lister les documents enregistrés (JSON, un par ligne)")
    remove = docs_sub.add_parser("remove", help="retirer des documents")
    remove.add_argument("hashes", nargs="+", metavar="sha256:HASH")
    return p


def _schema(args: argparse.Namespace) -> int:
    from bailleurs import schema_contract

    if args.schema_command == "print":
        sys.stdout.write(schema_contract.current_sdl())
        return 0
    status, report = schema_contract.check(args.old or schema_contract.CONTRACT)
    print(report)
    return status


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "documents":
        return asyncio.run(_documents(args))
    if args.command == "schema":
        return _schema(args)
    if args.command == "remind-repayment-plans":
        return asyncio.run(_remind(args.on))
    if args.command == "import":
        return asyncio.run(_import(args.file))
    if args.command == "audit":
        return asyncio.run(_audit_head())
    return asyncio.run(_create_agent(args.role, args.identifier))


if __name__ == "__main__":
    raise SystemExit(main())
