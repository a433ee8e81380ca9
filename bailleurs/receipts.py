"""Receipt PDFs served at /receipts/<id>.pdf (the declarations area renders them)."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from resolvers.context import Context


async def receipt_response(context: Context, declaration_id: str) -> Response:
    return JSONResponse({"errors": [{"message": "Reçu introuvable."}]}, status_code=404)
