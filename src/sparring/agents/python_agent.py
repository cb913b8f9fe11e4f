"""A chatbot written in Python, pointed to as `module:attribute` (a class, an instance or a function).

The target gets the conversation as chat messages and a `tools` object, and returns the reply text:

    class MyBot:
        async def respond(self, messages: list[Message], tools: AgentTools) -> str:
            order = await tools.call("lookup_order", order_id="O-1")
            ...

A plain function `def bot(messages, tools) -> str` (sync or async) works too.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

from sparring.agents.context import RawContext
from sparring.backend import Backend
from sparring.data_model import AgentTurn, ToolCall, ToolSpec, Turn


class AgentLoadError(ValueError):
    """`--agent module:attribute` that cannot be loaded; the message names the spec and the problem."""


class AgentTools:
    """The backend as a Python agent sees it: call tools by name; every call is recorded."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.records: list[Any] = []

    @property
    def specs(self) -> list[ToolSpec]:
        """The tools the agent may call, as a model would be offered them."""
        return self._backend.specs()

    async def call(self, name: str, **arguments: Any) -> Any:
        """The tool's result; a refusal comes back as {"error": message}."""
        record = self._backend.execute(ToolCall(id=f"py_{len(self.records)}", name=name, arguments=arguments))
        self.records.append(record)
        return {"error": record.error} if record.error else record.result


class PythonAgent:
    """Your Python chatbot as an `Agent`: a class with `respond(messages, tools)` or a function of the same
    shape, sync or async. Its reply becomes the agent turn; `None` is stored as an empty reply."""

    def __init__(self, target: Any, name: str) -> None:
        self.name = name
        self._respond = target.respond if hasattr(target, "respond") else target

    async def respond(self, turns: list[Turn], backend: Backend) -> AgentTurn:
        """Call your code with the conversation as chat messages and the recorded tools."""
        tools = AgentTools(backend)
        reply = self._respond(await RawContext().messages(None, turns, []), tools)
        if inspect.isawaitable(reply):
            reply = await reply
        return AgentTurn(content="" if reply is None else str(reply), tool_calls=tools.records)


def load_python_agent(spec: str, search_path: Path | None = None) -> PythonAgent:
    """The agent named by `module:attribute`, imported from `search_path` or the current folder."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise AgentLoadError(f"--agent {spec!r}: write it as module:attribute, e.g. mybot:SupportBot")
    for path in (search_path, Path.cwd()):
        if path is not None and str(path) not in sys.path:
            sys.path.insert(0, str(path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AgentLoadError(f"--agent {spec!r}: cannot import module {module_name!r}: {exc}") from exc
    target = getattr(module, attribute, None)
    if target is None:
        raise AgentLoadError(f"--agent {spec!r}: module {module_name!r} has no attribute {attribute!r}")
    if inspect.isclass(target):
        target = target()
    if not callable(target) and not hasattr(target, "respond"):
        raise AgentLoadError(f"--agent {spec!r}: {attribute} is neither callable nor has a respond() method")
    return PythonAgent(target, name=f"python:{spec}")
