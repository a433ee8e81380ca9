"""`uvicorn bench.asgi:app`: the product's app plus the bench's bare route (settings from env)."""

from bench.bare import build_app

app = build_app()
