"""The FHIR application, mounted at ``/fhir``: routes over the engine and the registry."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Header, Request
from starlette.responses import Response

from saglam import __version__
from saglam.core.errors import Invalid
from saglam.fhir import bundles, engine, everything, outcome, submit
from saglam.fhir import mappers as _mappers  # noqa: F401  (registers the resource types)
from saglam.fhir.capability import capability_statement
from saglam.fhir.outcome import issue
from saglam.fhir.registry import Stored
from saglam.fhir.respond import check_body_type, check_format, fhir_response, trim, with_meta
from saglam.http.context import AppContext
from saglam.http.deps import PrincipalDep, SessionDep
from saglam.http.responses import JSONResponse
from saglam.http.routing import UnitOfWorkRoute, in_thread

PreferHeader = Annotated[str | None, Header(alias="Prefer")]


def _base(request: Request) -> str:
    """The FHIR base URL as the client reached it (scheme, host and the mount point)."""
    url = request.url
    return f"{url.scheme}://{url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def _strict(prefer: str | None) -> bool:
    return "handling=strict" in (prefer or "").replace(" ", "")


async def _body(request: Request) -> Any:
    check_body_type(request)
    raw = await request.body()
    if not raw:
        raise Invalid("empty-body", "the request has no body")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(
            "malformed-json",
            f"the body is not valid JSON: {exc.msg} at position {exc.pos}",
            extra={"status": 400},
        ) from None


def _search_items(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items()]


def _written(
    request: Request, resource_type: str, written: engine.Written, prefer: str | None
) -> Response:
    stored = written.stored
    location = f"{_base(request)}/{resource_type}/{stored.id}/_history/{stored.version}"
    mode = (prefer or "").replace(" ", "")
    if "return=minimal" in mode:
        return fhir_response(request, {}, written.status, stored=stored, location=location)
    if "return=OperationOutcome" in mode:
        issues = [issue("warning", "informational", w) for w in written.warnings] or [
            issue("information", "informational", "ok")
        ]
        return fhir_response(
            request, outcome.outcome(issues), written.status, stored=stored, location=location
        )
    return fhir_response(
        request, with_meta(stored), written.status, stored=stored, location=location
    )


def _one(request: Request, stored: Stored) -> Response:
    summary = request.query_params.get("_summary")
    elements = request.query_params.get("_elements")
    body = trim(with_meta(stored), summary, elements.split(",") if elements else None)
    return fhir_response(request, body, stored=stored)


def create_fhir(ctx: AppContext) -> FastAPI:
    app = FastAPI(
        title="Saglam FHIR R4",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        default_response_class=JSONResponse,
    )
    app.router.route_class = UnitOfWorkRoute
    app.state.ctx = ctx
    outcome.install(app)

    @app.get("/metadata")
    def metadata(request: Request) -> Response:
        """The CapabilityStatement (public, as SMART requires)."""
        check_format(request)
        return fhir_response(request, capability_statement(_base(request)))

    @app.post("/")
    async def transaction(request: Request, session: SessionDep, actor: PrincipalDep) -> Response:
        check_format(request)
        body = await _body(request)
        return await in_thread(
            lambda: fhir_response(request, bundles.process(session, actor, body, _base(request)))
        )

    @app.get("/Patient/{ident}/$everything")
    def patient_everything(
        ident: str, request: Request, session: SessionDep, actor: PrincipalDep
    ) -> Response:
        check_format(request)
        count = request.query_params.get("_count")
        offset = request.query_params.get("_offset", "0")
        if (count is not None and not count.isdigit()) or not offset.isdigit():
            raise Invalid(
                "bad-number", "_count and _offset must be whole numbers", extra={"status": 400}
            )
        bundle = everything.everything(
            session, actor, ident, int(count) if count else None, int(offset), _base(request)
        )
        return fhir_response(request, bundle)

    @app.post("/Claim/$submit")
    async def claim_submit(request: Request, session: SessionDep, actor: PrincipalDep) -> Response:
        check_format(request)
        body = await _body(request)

        def run() -> Response:
            response, created = submit.submit_claim(session, actor, body)
            return fhir_response(request, response, 201 if created else 200)

        return await in_thread(run)

    @app.post("/CoverageEligibilityRequest/$submit")
    async def eligibility_submit(
        request: Request, session: SessionDep, actor: PrincipalDep
    ) -> Response:
        check_format(request)
        body = await _body(request)
        return await in_thread(
            lambda: fhir_response(request, submit.check_eligibility(session, actor, body))
        )

    @app.get("/{resource_type}/{ident}/_history/{version}")
    def vread(
        resource_type: str,
        ident: str,
        version: str,
        request: Request,
        session: SessionDep,
        actor: PrincipalDep,
    ) -> Response:
        check_format(request)
        return _one(request, engine.vread(session, actor, resource_type, ident, version))

    @app.get("/{resource_type}/{ident}/_history")
    def history(
        resource_type: str, ident: str, request: Request, session: SessionDep, actor: PrincipalDep
    ) -> Response:
        check_format(request)
        return fhir_response(
            request, engine.history(session, actor, resource_type, ident, _base(request))
        )

    @app.post("/{resource_type}/_search")
    async def search_post(
        resource_type: str,
        request: Request,
        session: SessionDep,
        actor: PrincipalDep,
        prefer: PreferHeader = None,
    ) -> Response:
        check_format(request)
        form = (await request.body()).decode()
        items = _search_items(request) + parse_qsl(form, keep_blank_values=True)
        return await in_thread(
            lambda: fhir_response(
                request,
                engine.search(
                    session,
                    actor,
                    resource_type,
                    items,
                    base=_base(request),
                    strict=_strict(prefer),
                ),
            )
        )

    @app.get("/{resource_type}/{ident}")
    def read(
        resource_type: str, ident: str, request: Request, session: SessionDep, actor: PrincipalDep
    ) -> Response:
        check_format(request)
        return _one(request, engine.read(session, actor, resource_type, ident))

    @app.put("/{resource_type}/{ident}")
    async def update(
        resource_type: str, ident: str, request: Request, session: SessionDep, actor: PrincipalDep,
        prefer: PreferHeader = None, if_match: Annotated[str | None, Header()] = None,
    ) -> Response:  # fmt: skip
        check_format(request)
        body = await _body(request)
        return await in_thread(
            lambda: _written(
                request,
                resource_type,
                engine.update(session, actor, resource_type, ident, body, if_match=if_match),
                prefer,
            )
        )

    @app.delete("/{resource_type}/{ident}")
    def delete(
        resource_type: str, ident: str, request: Request, session: SessionDep, actor: PrincipalDep
    ) -> Response:
        engine.delete(session, actor, resource_type, ident)
        return Response(status_code=204)

    @app.get("/{resource_type}")
    def search(
        resource_type: str,
        request: Request,
        session: SessionDep,
        actor: PrincipalDep,
        prefer: PreferHeader = None,
    ) -> Response:
        check_format(request)
        return fhir_response(
            request,
            engine.search(
                session,
                actor,
                resource_type,
                _search_items(request),
                base=_base(request),
                strict=_strict(prefer),
            ),
        )

    @app.post("/{resource_type}")
    async def create(
        resource_type: str, request: Request, session: SessionDep, actor: PrincipalDep,
        prefer: PreferHeader = None, if_none_exist: Annotated[str | None, Header()] = None,
    ) -> Response:  # fmt: skip
        check_format(request)
        body = await _body(request)
        return await in_thread(
            lambda: _written(
                request,
                resource_type,
                engine.create(session, actor, resource_type, body, if_none_exist=if_none_exist),
                prefer,
            )
        )

    @app.put("/{resource_type}")
    async def conditional_update(
        resource_type: str,
        request: Request,
        session: SessionDep,
        actor: PrincipalDep,
        prefer: PreferHeader = None,
    ) -> Response:
        check_format(request)
        body = await _body(request)
        return await in_thread(
            lambda: _written(
                request,
                resource_type,
                engine.conditional_update(session, actor, resource_type, request.url.query, body),
                prefer,
            )
        )

    return app
