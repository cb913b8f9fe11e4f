"""A chatbot written in Python, pointed to as `module:attribute` (a class, an instance or a function).

The target gets the conversation as chat messages and a `tools` object, and returns the reply text:

    class MyBot:
        async def respond(self, messages: list[Message], tools: AgentTools) -> str:
            order = await tools.call("lookup_order", order_id="O-1")
            ...

A class is instantiated once per conversation, so state a bot keeps on `self` is never seen by another
conversation. A plain function `def bot(messages, tools) -> str` (sync or async) works too; one that also takes
a `conversation_id` parameter gets an id unique to its conversation (the same on every turn), to key any state it
keeps. An instance created in the module is one object for every conversation: its state is shared.

The module is imported from the suite's folder first, then the working directory, then the usual `sys.path`.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sparring.agents.history import RawContext
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
    """Your Python chatbot as the `Agent` of one conversation: an object with `respond(messages, tools)` or a
    function of the same shape, sync or async (a class is instantiated at the conversation's first turn, so a
    constructor that fails is the chatbot's error). Its reply becomes the agent turn; `None` is stored as an empty
    reply."""

    def __init__(self, target: Any, name: str) -> None:
        self.name = name
        self.conversation_id = uuid.uuid4().hex
        self._target = target
        self._respond: Callable[..., Any] | None = None
        self._extra: dict[str, str] = {}

    def _bind(self) -> Callable[..., Any]:
        if self._respond is None:
            target: Any = self._target() if inspect.isclass(self._target) else self._target
            respond: Callable[..., Any] = target.respond if hasattr(target, "respond") else target
            if _takes_conversation_id(respond):
                self._extra = {"conversation_id": self.conversation_id}
            self._respond = respond
        return self._respond

    async def respond(self, turns: list[Turn], backend: Backend) -> AgentTurn:
        """Call your code with the conversation as chat messages and the recorded tools."""
        respond = self._bind()
        tools = AgentTools(backend)
        reply = respond(await RawContext().messages(None, turns, []), tools, **self._extra)
        if inspect.isawaitable(reply):
            reply = await reply
        return AgentTurn(content="" if reply is None else str(reply), tool_calls=tools.records)


def _takes_conversation_id(function: Callable[..., Any]) -> bool:
    try:
        return "conversation_id" in inspect.signature(function).parameters
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return False


class PythonBot:
    """A loaded `module:attribute`: makes the `PythonAgent` of each conversation."""

    def __init__(self, target: Any, spec: str) -> None:
        self.target = target
        self.spec = spec

    def agent(self) -> PythonAgent:
        """The chatbot of one new conversation (a class: a new instance of it)."""
        return PythonAgent(self.target, name=f"python:{self.spec}")


def import_paths(search_path: Path | None) -> list[Path]:
    """Where `module:` is imported from, in order: the suite's folder, then the working directory."""
    return [path for path in (search_path, Path.cwd()) if path is not None]


def _put_first(paths: list[Path]) -> None:
    """Put `paths` at the front of sys.path, in this order (moving them if already there)."""
    entries = [str(path.resolve()) for path in paths]
    sys.path[:] = entries + [entry for entry in sys.path if entry not in entries]


def load_python_agent(spec: str, search_path: Path | None = None) -> PythonBot:
    """The bot named by `module:attribute`, imported from `search_path` (the suite's folder), then the current
    folder. Fails with AgentLoadError (naming spec and problem) before any conversation starts."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise AgentLoadError(f"--agent {spec!r}: write it as module:attribute, e.g. mybot:SupportBot")
    _put_first(import_paths(search_path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        where = ", then ".join(str(p) for p in import_paths(search_path))
        raise AgentLoadError(
            f"--agent {spec!r}: cannot import module {module_name!r} (looked in {where}): {exc}"
        ) from exc
    target = getattr(module, attribute, None)
    if target is None:
        raise AgentLoadError(f"--agent {spec!r}: module {module_name!r} has no attribute {attribute!r}")
    if inspect.isclass(target):
        if not hasattr(target, "respond") and not any("__call__" in vars(k) for k in target.__mro__[:-1]):
            raise AgentLoadError(f"--agent {spec!r}: class {attribute} has no respond() method")
    elif not callable(target) and not hasattr(target, "respond"):
        raise AgentLoadError(f"--agent {spec!r}: {attribute} is neither callable nor has a respond() method")
    return PythonBot(target, spec)
