"""Templates: one Jinja2 environment, with gettext and the request's user and CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)
_ENV.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
TEMPLATES = Jinja2Templates(env=_ENV)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    web = request.scope.get("state", {}).get("web")
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"web": web, **context},
        status_code=status_code,
    )
