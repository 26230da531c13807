"""The FHIR application, mounted at ``/fhir``."""

from __future__ import annotations

from fastapi import FastAPI, Request

from saglam import __version__
from saglam.core.errors import NotFound
from saglam.fhir import outcome
from saglam.http.context import AppContext
from saglam.http.deps import PrincipalDep
from saglam.http.responses import JSONResponse


def create_fhir(ctx: AppContext) -> FastAPI:
    app = FastAPI(
        title="Saglam FHIR R4",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        default_response_class=JSONResponse,
    )
    app.state.ctx = ctx
    outcome.install(app)

    @app.get("/metadata")
    def metadata(request: Request) -> JSONResponse:
        """The CapabilityStatement (public, as SMART requires)."""
        return JSONResponse(
            {
                "resourceType": "CapabilityStatement",
                "status": "active",
                "kind": "instance",
                "fhirVersion": "4.0.1",
                "format": ["application/fhir+json", "json"],
                "software": {"name": "Saglam", "version": __version__},
                "rest": [{"mode": "server", "resource": []}],
            },
            media_type=outcome.FHIR_JSON,
        )

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def unknown(path: str, actor: PrincipalDep) -> JSONResponse:
        raise NotFound("unknown-resource", f"no FHIR resource type or operation at /fhir/{path}")

    return app
