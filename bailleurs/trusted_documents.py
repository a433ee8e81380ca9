"""Trusted documents (persisted operations): a front end's build registers its operations, requests
name one by its SHA-256 instead of sending it, and `TRUSTED_DOCUMENTS=required` refuses any other.

Requests name a document as `{"documentId": "sha256:<hex>"}` (the GraphQL-over-HTTP persisted
documents proposal) or as Apollo's `extensions.persistedQuery.sha256Hash`, by POST or, for queries,
by GET. Manifests are `{"sha256:<hex>" | "<hex>": "<document>"}` (GraphQL Code Generator's client
preset, Relay). A hash is always recomputed, never taken on trust."""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from typing import Any

from bailleurs.settings import TrustedDocumentsMode as Mode
from models import TrustedDocument
from resolvers.shared.clock import now

_HEX = re.compile(r"[0-9a-f]{64}")
# The console's own requests say so; honoured only while GRAPHIQL is on (see README).
CONSOLE_HEADER = "x-bailleurs-console"


class DocumentRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class ManifestRejected(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def digest(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def _hex(name: str, value: Any) -> str:
    text = value.removeprefix("sha256:") if isinstance(value, str) else ""
    if not _HEX.fullmatch(text):
        raise DocumentRefused(
            "BAD_REQUEST", f"« {name} » est une empreinte SHA-256 : « sha256:<64 chiffres hexa> »."
        )
    return text


def requested_hash(params: dict[str, Any]) -> str | None:
    if params.get("documentId") is not None:
        return _hex("documentId", params["documentId"])
    extensions = params.get("extensions")
    # A malformed `extensions` is the HTTP layer's to refuse.
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if persisted is not None:
        if not isinstance(persisted, dict):
            raise DocumentRefused("BAD_REQUEST", "« persistedQuery » doit être un objet.")
        return _hex("persistedQuery.sha256Hash", persisted.get("sha256Hash"))
    return None


def parse_manifest(manifest: Any) -> dict[str, str]:
    """Hash → document; the whole manifest is refused if any entry is wrong."""
    if not isinstance(manifest, dict) or not manifest:
        raise ManifestRejected(["Le manifeste est un objet JSON non vide {empreinte: document}."])
    documents, problems = {}, []
    for key, document in manifest.items():
        claimed = key.removeprefix("sha256:")
        if not isinstance(document, str) or not document.strip():
            problems.append(f"{key} : le document est vide ou n'est pas une chaîne.")
        elif not _HEX.fullmatch(claimed):
            problems.append(f"{key} : ce n'est pas une empreinte SHA-256.")
        elif digest(document) != claimed:
            problems.append(f"{key} : l'empreinte ne correspond pas au document.")
        else:
            documents[claimed] = document
    if problems:
        raise ManifestRejected(problems)
    return documents


async def register(manifest: Any, client: str) -> tuple[int, int]:
    """(added, already registered). Nothing is added when the manifest is refused."""
    documents = parse_manifest(manifest)
    known = {row.sha256 for row in await TrustedDocument.filter(sha256__in=list(documents))}
    moment = now()
    await TrustedDocument.bulk_create(
        [TrustedDocument(sha256=h, document=d, client=client[:100], added_at=moment)
         for h, d in documents.items() if h not in known],
        ignore_conflicts=True,  # a concurrent registration of the same text is the same row
    )
    return len(documents) - len(known), len(known)


class Lookup:
    """Registered documents by hash. Only hits are cached (a new document is seen at once by every
    process); a removal reaches the other processes within `ttl` seconds."""

    def __init__(self, size: int = 1024, ttl: float = 60.0) -> None:
        self._found: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self.size, self.ttl = size, ttl

    async def get(self, sha256: str) -> str | None:
        hit = self._found.get(sha256)
        if hit and time.monotonic() - hit[0] < self.ttl:
            self._found.move_to_end(sha256)
            return hit[1]
        row = await TrustedDocument.get_or_none(sha256=sha256)
        if row is None:
            self._found.pop(sha256, None)
            return None
        self._found[sha256] = (time.monotonic(), row.document)
        if len(self._found) > self.size:
            self._found.popitem(last=False)
        return row.document


async def resolve(params: Any, mode: Mode, lookup: Lookup, console: bool) -> Any:
    """The operation's params with its `query` text, or DocumentRefused — before any parsing."""
    if not isinstance(params, dict):
        return params  # answered as malformed by the HTTP layer
    sha256, query = requested_hash(params), params.get("query")
    if sha256 is None:
        if mode is Mode.REQUIRED and not console:
            registered = isinstance(query, str) and await lookup.get(digest(query)) is not None
            if not registered:
                raise DocumentRefused(
                    "TRUSTED_DOCUMENT_REQUIRED",
                    "Ce service n'exécute que des documents enregistrés : envoyez « documentId ».",
                )
        return params
    if mode is Mode.OFF:
        raise DocumentRefused(
            "PERSISTED_QUERY_NOT_SUPPORTED", "Les documents enregistrés ne sont pas activés ici."
        )
    if isinstance(query, str) and query and digest(query) != sha256:
        raise DocumentRefused(
            "BAD_REQUEST", "Le document envoyé ne correspond pas à son empreinte."
        )
    text = await lookup.get(sha256)
    if text is None:
        if isinstance(query, str) and query and mode is Mode.ALLOW:
            return params  # its hash was just checked; it is run as a free document
        raise DocumentRefused(
            "PERSISTED_QUERY_NOT_FOUND", f"Aucun document enregistré sous sha256:{sha256}."
        )
    return {**params, "query": text}
