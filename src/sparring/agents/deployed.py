"""A deployed chatbot tested unchanged: it answers on its own chat API and runs its own tool calls against the
backend Sparring serves it for the conversation (MCP and REST, see `sparring.agents.served`).

Each request carries the conversation's backend URL in the `X-Sparring-Backend` header (and, for a JSON API, as
`{{backend_url}}`) and its session id in `X-Sparring-Session`: a staging bot only takes its backend URL from the
header. The backend's record of the calls made while the bot wrote a reply becomes that turn's tool calls, as the
in-process path records them; the bot's own report of its calls is kept apart (`AgentTurn.reported_tool_calls`).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sparring.agents.chat_apis import (
    BotReply,
    ChatApi,
    ChatbotError,
    ChatTurn,
    JsonApi,
    JsonApiConfig,
    OpenAIChat,
    OpenAIResponses,
    given_call_messages,
    sse_payloads,
)
from sparring.backend import Backend
from sparring.data_model import AgentTurn, CustomerTurn, Turn

if TYPE_CHECKING:
    import aiohttp

    from sparring.agents.served import BackendServer, ServedConversation

BACKEND_HEADER = "X-Sparring-Backend"
SESSION_HEADER = "X-Sparring-Session"


@dataclass
class ChatEndpoint:
    """Where the bot answers: its URL, its own key (sent only to it, as a bearer token) and how long a reply may
    take."""

    url: str
    key: str | None = None
    timeout_s: float = 120.0
    stream: bool = False


class DeployedAgent:
    """The `Agent` of one conversation with a deployed bot (made per conversation; `aclose()` ends it)."""

    def __init__(self, api: ChatApi, endpoint: ChatEndpoint, server: BackendServer | None, name: str) -> None:
        self.api, self.endpoint, self.server, self.name = api, endpoint, server, name
        self.session = uuid.uuid4().hex
        self._served: ServedConversation | None = None
        self._http: aiohttp.ClientSession | None = None

    async def respond(self, turns: list[Turn], backend: Backend) -> AgentTurn:
        """Ask the bot for its reply; the served backend takes this conversation's calls only meanwhile."""
        if self.server is not None and self._served is None:
            self._served = await self.server.open(backend)
        served = self._served
        backend_url = self.server.url(served) if self.server and served else None
        messages = chat_messages(turns)
        if served:
            served.begin_turn()
        reply: BotReply | ChatbotError
        try:
            reply = await self._ask(ChatTurn(messages, self.session, backend_url))
        except ChatbotError as exc:  # reported after a crash of the suite's, which may be why the bot failed
            reply = exc
        finally:
            records = served.end_turn() if served else []
        if served and served.crash is not None:
            raise served.crash  # a suite tool crashed: the suite's fault, not the bot's
        if isinstance(reply, ChatbotError):
            raise reply
        if served and served.mistakes:
            raise ChatbotError("the chatbot's backend calls were refused: " + "; ".join(served.mistakes))
        return AgentTurn(content=reply.content, tool_calls=records, reported_tool_calls=reply.reported)

    async def _ask(self, turn: ChatTurn) -> BotReply:
        path, body, extra = self.api.request(turn, self.endpoint.stream)
        headers = {SESSION_HEADER: turn.session, **extra}
        if turn.backend_url:
            headers[BACKEND_HEADER] = turn.backend_url
        if self.endpoint.key:
            headers["Authorization"] = f"Bearer {self.endpoint.key}"
        import aiohttp  # imported by the runs that talk to a deployed bot: ~0.17 s of every other run's start-up

        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.endpoint.timeout_s))
        try:
            async with self._http.post(self.endpoint.url.rstrip("/") + path, json=body, headers=headers) as response:
                text = await response.text(errors="replace")
                if response.status >= 400:
                    raise ChatbotError(f"the chatbot answered HTTP {response.status}: {text[:200]}")
                streamed = response.content_type == "text/event-stream"
        except TimeoutError as exc:
            raise ChatbotError(f"the chatbot gave no complete reply within {self.endpoint.timeout_s:g} s") from exc
        except aiohttp.ClientError as exc:
            raise ChatbotError(f"the chatbot's connection failed: {type(exc).__name__}: {exc}") from exc
        return self._read(text, streamed)

    def _read(self, text: str, streamed: bool) -> BotReply:
        """The reply in the answer's body; an answer of another shape is a ChatbotError saying so."""
        try:
            if streamed:
                events = sse_payloads(text)
                if not events:
                    raise ChatbotError(f"the chatbot's stream carried no event: {text[:200]!r}")
                return self.api.assemble(events)
            try:
                answer = json.loads(text)
            except ValueError as exc:
                raise ChatbotError(f"the chatbot's answer is not JSON: {text[:200]!r}") from exc
            return self.api.reply(answer)
        except (AttributeError, TypeError, KeyError, IndexError) as exc:
            raise ChatbotError(
                f"the chatbot's answer is not in the {self.api.name} shape ({exc}): {text[:200]!r}"
            ) from exc

    async def aclose(self) -> None:
        """End the conversation: its backend URL is refused from now on; the HTTP session closes."""
        if self._served is not None and self.server is not None:
            await self.server.close(self._served)
            self._served = None
        if self._http is not None:
            await self._http.close()
            self._http = None


def chat_messages(turns: list[Turn]) -> list[dict[str, Any]]:
    """The conversation as the bot's chat API is sent it: each turn's words; a given opening's agent turn also its
    tool calls and their answers, which the bot did not make on its backend (its own turns' calls it made itself)."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        if isinstance(turn, CustomerTurn):
            messages.append({"role": "user", "content": turn.content})
            continue
        if turn.given and turn.tool_calls:
            messages += given_call_messages(turn.tool_calls)
        if turn.content or not turn.given:
            messages.append({"role": "assistant", "content": turn.content})
    return messages


def history_refusal(settings: DeployedSettings, longest_opening: int) -> str | None:
    """Why the bot cannot take a scenario's given opening of `longest_opening` turns (None when it can): a JSON API
    whose templates send only the last message (`{{message}}`, no `{{messages}}`) would silently drop it."""
    if settings.chat_api != "json" or longest_opening <= 1:
        return None
    api = settings.json_api
    if "{{messages}}" in json.dumps([api.url_path, api.body, api.headers]):
        return None
    return (
        f"agent.json_api sends the bot only the last message ({{{{message}}}}), so it would never see this "
        f"{longest_opening}-turn opening: send the conversation with {{{{messages}}}}"
    )


async def close_agent(agent: Any) -> None:
    """Release what a conversation's agent holds (a deployed bot's served backend), for agents with `aclose()`."""
    close = getattr(agent, "aclose", None)
    if callable(close):
        result = close()
        if asyncio.iscoroutine(result):
            await result


class DeployedSettings(Protocol):
    """The suite's settings for a deployed bot (`agent:` in suite.yaml)."""

    @property
    def chat_api(self) -> str: ...
    @property
    def endpoint_model(self) -> str: ...
    @property
    def json_api(self) -> JsonApiConfig: ...
    @property
    def serve_backend(self) -> bool: ...
    @property
    def backend_host(self) -> str: ...
    @property
    def backend_port(self) -> int: ...
    @property
    def stream(self) -> bool: ...
    @property
    def timeout_s(self) -> float: ...


def chat_api(settings: DeployedSettings) -> ChatApi:
    """The chat API the settings name."""
    if settings.chat_api == "openai-responses":
        return OpenAIResponses(settings.endpoint_model)
    if settings.chat_api == "json":
        return JsonApi(settings.json_api)
    return OpenAIChat(settings.endpoint_model)


def deployed_bot(settings: DeployedSettings, url: str, key: str | None, name: str) -> Callable[[], DeployedAgent]:
    """Makes the agent of each conversation with the bot at `url`; one served backend (when asked for) for all."""
    api = chat_api(settings)
    endpoint = ChatEndpoint(url, key, settings.timeout_s, settings.stream)
    server = served_backend(settings.backend_host, settings.backend_port) if settings.serve_backend else None
    return lambda: DeployedAgent(api, endpoint, server, name)


def served_backend(host: str, port: int) -> BackendServer:
    """The served backend's server (needs the `serve` extra, the MCP SDK: a clear error without it)."""
    try:
        from sparring.agents.served import BackendServer
    except ImportError as exc:
        raise ValueError(f"agent.serve_backend needs the MCP SDK: pip install 'sparring[serve]' ({exc})") from exc
    server = BackendServer(host, port)
    server.check_address()
    return server
