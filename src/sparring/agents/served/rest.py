"""The suite's tools as a plain REST API, described by an OpenAPI document generated from the tool schemas.

`POST {conversation URL}/tools/{name}` with the arguments as a JSON object answers 200 `{"result": ...}`, or
`{"error": "..."}` with 404 (no such tool) or 422 (invalid arguments or a domain refusal), in the in-process
path's words. `GET {conversation URL}/openapi.json` is the document. A request from another site (an `Origin`
that is not this server's) or whose body is not JSON is refused before anything runs.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sparring.agents.served.conversations import Conversations, RefusedCall
from sparring.agents.served.mcp_app import token_of
from sparring.data_model import ToolSpec

RESULT_SCHEMA = {"type": "object", "properties": {"result": {}}, "required": ["result"]}
ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}


def openapi_document(specs: list[ToolSpec], server_url: str) -> dict[str, Any]:
    """OpenAPI 3.1: one POST operation per tool, its request body the tool's argument schema."""
    errors = {"description": "refused", "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    paths = {
        f"/tools/{spec.name}": {
            "post": {
                "operationId": spec.name,
                "summary": spec.description,
                "requestBody": {"required": True, "content": {"application/json": {"schema": spec.parameters}}},
                "responses": {
                    "200": {
                        "description": "the tool's answer",
                        "content": {"application/json": {"schema": RESULT_SCHEMA}},
                    },
                    "404": errors,
                    "422": errors,
                },
            }
        }
        for spec in specs
    }
    info = {"title": "Sparring mock backend", "version": "1"}
    return {"openapi": "3.1.0", "info": info, "servers": [{"url": server_url}], "paths": paths}


def _cross_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is not None and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}"


def rest_routes(conversations: Conversations) -> list[Route]:
    """The REST routes, answering for every open conversation (mounted under `/c/{token}` and at the root)."""

    async def call(request: Request) -> JSONResponse:
        try:
            conversation = conversations.named(token_of(request.path_params, request.headers))
        except RefusedCall as exc:
            return JSONResponse({"error": str(exc)}, status_code=403)
        name = request.path_params["name"]
        if _cross_site(request):
            return JSONResponse({"error": "refused: a request from another site"}, status_code=403)
        try:
            arguments = json.loads(await request.body() or b"{}")
            record = conversation.call(name, arguments, "rest")
        except ValueError as exc:
            conversation.refuse(f"malformed REST call to {name!r}: the body is not JSON ({exc})")
            return JSONResponse({"error": f"the body is not JSON: {exc}"}, status_code=400)
        except RefusedCall as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if record.error:
            unknown = name not in {s.name for s in conversation.specs()}
            return JSONResponse({"error": record.error}, status_code=404 if unknown else 422)
        return JSONResponse({"result": record.result})

    async def document(request: Request) -> JSONResponse:
        try:
            conversation = conversations.named(token_of(request.path_params, request.headers))
        except RefusedCall as exc:
            return JSONResponse({"error": str(exc)}, status_code=403)
        base = str(request.url).removesuffix("/openapi.json")
        return JSONResponse(openapi_document(conversation.specs(), base))

    return [Route("/tools/{name}", call, methods=["POST"]), Route("/openapi.json", document, methods=["GET"])]
