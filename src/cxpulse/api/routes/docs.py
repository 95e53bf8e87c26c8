"""/docs: Swagger UI over /openapi.json, from assets shipped in a Python package
(fastapi-offline's copy of swagger-ui 5), so the docs work on a server with no Internet.

The page loads its script from /docs/init.js rather than inline, so the app's strict
Content-Security-Policy holds; only Swagger UI's inline styles and data: images need the
policy widened, on these paths alone.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

router = APIRouter(include_in_schema=False)

DOCS_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css", "favicon.png": "image/png"}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cxpulse API</title>
<link rel="icon" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""

INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
"""


@cache
def assets_dir() -> Path | None:
    """Where the Swagger UI files are, or None when the package is not installed."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    path = Path(fastapi_offline.__file__).parent / "static"
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def _missing() -> Response:
    return PlainTextResponse("Swagger UI is not installed (pip install fastapi-offline); /openapi.json has the API",
                             status_code=404)


@router.get("/docs")
def docs() -> Response:
    if assets_dir() is None:
        return _missing()
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": DOCS_CSP})


@router.get("/docs/init.js")
def docs_init() -> Response:
    return Response(INIT, media_type="text/javascript", headers={"Content-Security-Policy": DOCS_CSP})


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> Response:
    folder = assets_dir()
    if folder is None or name not in ASSETS:
        return _missing() if folder is None else PlainTextResponse("not found", status_code=404)
    return FileResponse(folder / name, media_type=ASSETS[name],
                        headers={"Content-Security-Policy": DOCS_CSP, "Cache-Control": "public, max-age=86400"})
