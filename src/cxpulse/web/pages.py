"""Rendering HTML pages: one Jinja2 environment per app (autoescape always on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cxpulse.web import i18n

TEMPLATE_DIR = Path(__file__).parent / "templates"


def make_env() -> Environment:
    """The templates of web/templates; every {{ value }} is HTML-escaped. The dashboard's
    `{% trans %}` and `_()` speak the request's language (web/i18n.py); `{% trans %}`
    blocks are trimmed, so a text wrapped over lines is one message in the catalogs."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=False, pgettext=i18n.pgettext)
    env.globals["ui_language"] = i18n.language
    return env


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """An HTML response from `template`; pages carry tokens and answers, so none is cached."""
    env: Environment = request.app.state.templates
    static_href = request.scope.get("root_path", "").rstrip("/") + "/static"
    html = env.get_template(template).render(static_href=static_href, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
