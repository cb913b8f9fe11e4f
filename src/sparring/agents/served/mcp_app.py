"""The suite's tools as an MCP server (streamable HTTP, the official `mcp` SDK's low-level server, stateless, JSON
responses): `tools/list` gives the backend's specs, `tools/call` runs the call on the named conversation's backend.

A tool's refusal (an unknown tool, invalid arguments, a domain refusal) is the call's result with `isError` set,
the same words the in-process path records; a call naming no open conversation is a JSON-RPC error. Any JSON-RPC
error answered to a request naming an open conversation (malformed JSON, an unknown method, invalid params) is
kept as that conversation's mistake.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette

from sparring.agents.served.conversations import TOKEN_HEADER, Conversations, RefusedCall, ServedConversation

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]
INVALID_REQUEST = -32600


def token_of(path_params: dict[str, Any], headers: Any) -> str | None:
    """The conversation a request names: in its URL (`/c/{token}/...`), else in the header."""
    return path_params.get("token") or headers.get(TOKEN_HEADER)


def _named(conversations: Conversations, request: Any) -> ServedConversation:
    if request is None:
        raise MCPError(code=INVALID_REQUEST, message="no HTTP request to name the conversation")
    try:
        return conversations.named(token_of(request.path_params, request.headers))
    except RefusedCall as exc:
        raise MCPError(code=INVALID_REQUEST, message=str(exc)) from None


def mcp_server(conversations: Conversations) -> Server[Any]:
    """The low-level MCP server answering for every open conversation."""

    async def list_tools(ctx: Any, _params: Any) -> types.ListToolsResult:
        conversation = _named(conversations, ctx.request)
        tools = [
            types.Tool(name=s.name, description=s.description, input_schema=s.parameters) for s in conversation.specs()
        ]
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        conversation = _named(conversations, ctx.request)
        try:
            record = conversation.call(params.name, params.arguments or {}, "mcp")
        except RefusedCall as exc:
            raise MCPError(code=INVALID_REQUEST, message=str(exc)) from None
        if record.error:
            return types.CallToolResult(content=[types.TextContent(text=record.error)], is_error=True)
        result = record.result
        structured = result if isinstance(result, dict) else {"result": result}
        text = json.dumps(result, default=str)
        return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=structured)

    return Server("sparring-backend", on_list_tools=list_tools, on_call_tool=call_tool)


def mcp_asgi(server: Server[Any], host: str) -> Starlette:
    """The SDK's streamable-HTTP app for `server` (stateless, JSON answers; its DNS-rebinding protection refuses
    requests from other sites when bound to a local address)."""
    return server.streamable_http_app(streamable_http_path="/mcp", json_response=True, stateless_http=True, host=host)


def noting_mistakes(app: ASGIApp, conversations: Conversations) -> ASGIApp:
    """`app`, with every JSON-RPC error or HTTP error (but a cross-site refusal) it answers to a request naming an
    open conversation kept as that conversation's mistake (the cause in the SDK's words)."""

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = token_of(scope.get("path_params", {}), {TOKEN_HEADER: headers.get(TOKEN_HEADER.lower())})
        try:
            conversation = conversations.named(token)
        except RefusedCall:
            await app(scope, receive, send)
            return
        status: list[int] = []
        body: list[bytes] = []
        noted = len(conversation.mistakes)  # a refusal of ours is noted where it is made

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        await app(scope, receive, watching)
        code = status[0] if status else 500
        problem = _error_in(code, b"".join(body))
        # a 403 is the SDK's refusal of another site or host: about who sent the request, not what the bot sent
        if problem and code != 403 and len(conversation.mistakes) == noted:
            conversation.mistakes.append(f"malformed MCP request: {problem}")

    return wrapped


def _error_in(status: int, body: bytes) -> str | None:
    """The JSON-RPC or HTTP error an answer carries, in words; None for a success."""
    try:
        answer = json.loads(body) if body else None
    except ValueError:
        answer = None
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict):
        return f"{error.get('message', 'error')} (JSON-RPC {error.get('code')})"
    return f"HTTP {status}: {body[:120].decode('utf-8', 'replace')}" if status >= 400 else None
