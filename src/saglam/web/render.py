"""Templates: one Jinja2 environment; each page gets the user, the CSRF token, the navigation,
and gettext and formatters in the request's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from saglam.core.text import az_sort_key
from saglam.web import i18n
from saglam.web.labels import labeller
from saglam.web.nav import items_for

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)
_ENV.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
_ENV.filters["az_sort"] = lambda items, attribute: sorted(
    items, key=lambda item: az_sort_key(str(_ENV.getattr(item, attribute) or ""))
)
# Text for JSON a script reads (a chart's labels): the words themselves, not HTML entities.
_ENV.filters["plain"] = lambda value: value.unescape() if isinstance(value, Markup) else value
TEMPLATES = Jinja2Templates(env=_ENV)


def language(request: Request) -> str:
    web = request.scope.get("state", {}).get("web")
    return i18n.language_of(request, web.user.language if web else None)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    web = request.scope.get("state", {}).get("web")
    lang = language(request)
    nav = items_for(web.user.role) if web else []
    words = i18n.helpers(lang)
    profile = request.app.state.ctx.settings.profile
    label = labeller(profile, lang, words["gettext"])
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"web": web, "nav": nav, "path": request.url.path, "label": label, **words, **context},
        status_code=status_code,
    )


def fragment(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A piece of a page for htmx (same context as a page)."""
    return page(request, template, **context)
