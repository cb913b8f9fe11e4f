"""The served backend's HTTP server: MCP at `{url}/mcp`, REST at `{url}/tools/{name}` and `{url}/openapi.json`,
where `{url}` is a conversation's own `http://host:port/c/{token}` (or the root, with the token in the
`X-Sparring-Conversation` header).

One server serves every conversation of a run, on the run's event loop (uvicorn, started with the first
conversation and stopped with the last), bound to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from sparring.agents.served.conversations import Conversations, ServedConversation
from sparring.agents.served.mcp_app import mcp_asgi, mcp_server, noting_mistakes
from sparring.agents.served.rest import rest_routes
from sparring.backend import Backend


class BackendServer:
    """Serves the backends of the conversations open on it; `open()` starts it, the last `close()` stops it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._requested_port = port
        self.conversations = Conversations()
        self._server: uvicorn.Server | None = None
        self._lock = asyncio.Lock()

    def check_address(self) -> None:
        """Fail now, in words (ValueError), when the address asked for cannot be listened on."""
        try:
            with socket.create_server((self.host, self._requested_port)):
                pass
        except OSError as exc:
            raise ValueError(f"agent.backend_host/backend_port {self.host}:{self._requested_port}: {exc}") from exc

    def url(self, conversation: ServedConversation) -> str:
        """The conversation's base URL (MCP at `/mcp`, REST at `/tools/{name}`)."""
        return f"http://{self.host}:{self.port}/c/{conversation.token}"

    async def open(self, backend: Backend) -> ServedConversation:
        """Serve `backend` as a new conversation (starting the server if it is not running)."""
        async with self._lock:
            if self._server is None:
                self._server = await self._start()
            return self.conversations.open(backend)

    async def close(self, conversation: ServedConversation) -> None:
        """Stop serving a conversation; the server stops with the last one."""
        async with self._lock:
            self.conversations.close(conversation)
            if not len(self.conversations) and self._server is not None:
                server, self._server = self._server, None
                await server.shutdown()

    def _app(self) -> Starlette:
        server = mcp_server(self.conversations)
        mcp = noting_mistakes(mcp_asgi(server, self.host), self.conversations)
        routes = rest_routes(self.conversations)

        @contextlib.asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            async with server.session_manager.run():
                yield

        conversation_app = Starlette(routes=[*routes, Mount("/", app=mcp)])
        return Starlette(
            routes=[Mount("/c/{token}", app=conversation_app), *routes, Mount("/", app=mcp)], lifespan=lifespan
        )

    async def _start(self) -> uvicorn.Server:
        config = uvicorn.Config(self._app(), host=self.host, port=self._requested_port, log_level=logging.WARNING)
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)  # as uvicorn's own serve() does; ours skips its signals
        try:
            await server.startup()
        except SystemExit as exc:  # uvicorn exits when it cannot bind; a run must not
            raise OSError(f"the served backend cannot listen on {self.host}:{self._requested_port}") from exc
        self.port = server.servers[0].sockets[0].getsockname()[1]
        return server
