"""The ASGI entry point for uvicorn (each worker builds its own app)."""

import os

from bailleurs.app import create_app

app = create_app(demo=os.environ.get("BAILLEURS_DEMO") == "1")
