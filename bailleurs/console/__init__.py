"""GraphiQL served by the service itself: pinned bundles in static/ (see fetch_assets.sh), no CDN.

The page and its assets only exist while the GRAPHIQL setting is on."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).parent
ASSETS_PATH = "/console-assets"
PAGE = (HERE / "page.html").read_text(encoding="utf-8").replace("{prefix}", ASSETS_PATH)


def console_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


class _Assets(StaticFiles):
    """The bundles change only with a release: a browser may keep them for a day (the security
    middleware's `no-store` is for API answers, which may carry personal data)."""

    def file_response(self, *args, **kwargs) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "public, max-age=86400"
        return response


def console_assets() -> StaticFiles:
    return _Assets(directory=HERE / "static")
