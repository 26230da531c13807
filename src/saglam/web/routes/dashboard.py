"""Web screens: the national dashboard (aggregates only) and its figures as CSV downloads."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from saglam.analytics import service as analytics
from saglam.analytics.schemas import Dashboard
from saglam.core.errors import Invalid
from saglam.http.deps import SessionDep
from saglam.http.routing import UnitOfWorkRoute
from saglam.web.render import language, page
from saglam.web.session import UserDep

router = APIRouter(route_class=UnitOfWorkRoute)

From = Annotated[str, Query(alias="from")]


@router.get("/dashboard")
def dashboard(
    request: Request,
    session: SessionDep,
    user: UserDep,
    region: str = "",
    first: From = "",
    to: str = "",
) -> Response:
    """Headline figures and charts for a region (or the country) and a period of months."""
    form = {"region": region, "from": first, "to": to}
    try:
        chosen = analytics.filters(session, user.principal, region, first or None, to or None)
    except Invalid as exc:
        return page(
            request, "dashboard/index.html", 422, form=form, view=None,
            regions=analytics.regions(session, user.principal),
            errors=exc.fields, message=exc.detail,
        )  # fmt: skip
    view = analytics.dashboard(session, user.principal, chosen)
    form = {"region": chosen.region or "", "from": chosen.first, "to": chosen.last}
    return page(
        request, "dashboard/index.html", form=form, view=view, regions=view.regions, errors={},
        message=None,
    )  # fmt: skip


@router.get("/dashboard/{name}.csv")
def dashboard_csv(
    request: Request,
    session: SessionDep,
    user: UserDep,
    name: str,
    region: str = "",
    first: From = "",
    to: str = "",
) -> Response:
    """One figure as CSV (a header row, then one row per category, place, status or month)."""
    chosen = analytics.filters(session, user.principal, region, first or None, to or None)
    view = analytics.figure(session, user.principal, name, chosen)
    filename = f"saglam-{name}-{chosen.region or 'all'}-{chosen.first}-{chosen.last}.csv"
    return Response(
        _csv(view, name, language(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv(view: Dashboard, name: str, lang: str) -> str:
    figure = view.figures[name]
    named = figure.key in view.names
    head = ["code", "name"] if named else [figure.key]
    for column in figure.columns:
        # money is exact in qəpik, and in manats for people reading the sheet
        head += (
            [column, column.removesuffix("_minor") + "_azn"]
            if column.endswith("_minor")
            else [column]
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    for row in figure.rows:
        cells: list[object] = [row.key]
        if named:
            found = view.names[figure.key].get(row.key)
            cells.append((found.name_az if lang == "az" else found.name_en) if found else row.key)
        for column, value in zip(figure.columns, row.values, strict=True):
            cells.append("" if value is None else value)
            if column.endswith("_minor"):
                cells.append(f"{Decimal(int(value or 0)) / 100:.2f}")
        writer.writerow(cells)
    return out.getvalue()
