"""The conversations the served backend answers for: each named by an unguessable token, each taking tool calls
only while the bot is writing that conversation's reply.

A call is run on the conversation's own `Backend` exactly as the in-process path runs it (`Backend.execute`: the
same refusals, the same state changes, the same record), in the order the calls arrive. What the bot did wrong at
the protocol level (a malformed request, a call outside its turn) is kept, and ends the conversation as the
chatbot's error when its reply comes back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sparring.backend import Backend
from sparring.data_model import ToolCall, ToolCallRecord, ToolSpec

TOKEN_HEADER = "X-Sparring-Conversation"
"""The header naming a conversation, for a bot that calls the server's root paths instead of its own URL."""


class RefusedCall(Exception):
    """A call the served backend does not run: no conversation named, an unknown one, or one not waiting on the
    bot. The message says which, in words (the bot gets it; the conversation, when known, records it)."""


@dataclass
class ServedConversation:
    """One conversation's backend as served: its token, the calls of the turn in progress, and the bot's protocol
    mistakes."""

    backend: Backend
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    in_turn: bool = False
    records: list[ToolCallRecord] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    crash: BaseException | None = None
    _count: int = 0

    def specs(self) -> list[ToolSpec]:
        """The tools the bot is offered."""
        return self.backend.specs()

    def call(self, name: str, arguments: Any, via: str) -> ToolCallRecord:
        """Run one call on the backend and keep its record for the turn. Arguments that are not a JSON object are
        a protocol mistake (refused); a suite tool that crashes is kept, to end the conversation as the suite's
        fault."""
        if not self.in_turn:
            raise self.refuse(f"a {via} call to {name!r} came while the bot was not answering this conversation")
        if not isinstance(arguments, dict):
            raise self.refuse(f"the arguments of a {via} call to {name!r} are not a JSON object: {arguments!r:.80}")
        call = ToolCall(id=f"{via}_{self._count}", name=name, arguments=arguments)
        self._count += 1
        try:
            record = self.backend.execute(call)
        except Exception as exc:
            self.crash = exc
            raise
        self.records.append(record)
        return record

    def refuse(self, problem: str) -> RefusedCall:
        """A refusal for the bot, also kept as this conversation's mistake."""
        self.mistakes.append(problem)
        return RefusedCall(problem)

    def begin_turn(self) -> None:
        """The bot is asked for a reply: calls are taken from now on."""
        self.in_turn, self.records = True, []

    def end_turn(self) -> list[ToolCallRecord]:
        """The bot answered: no more calls; the turn's records, in the order they ran."""
        self.in_turn = False
        return self.records


class Conversations:
    """The open conversations by token."""

    def __init__(self) -> None:
        self._open: dict[str, ServedConversation] = {}

    def __len__(self) -> int:
        return len(self._open)

    def open(self, backend: Backend) -> ServedConversation:
        """A new conversation on `backend`, with a fresh token."""
        conversation = ServedConversation(backend)
        self._open[conversation.token] = conversation
        return conversation

    def close(self, conversation: ServedConversation) -> None:
        """Forget a conversation: its token is refused from now on."""
        self._open.pop(conversation.token, None)

    def named(self, token: str | None) -> ServedConversation:
        """The conversation a request names, or RefusedCall saying why none."""
        if not token:
            raise RefusedCall(f"no conversation named: call the URL given for it, or send the {TOKEN_HEADER} header")
        conversation = self._open.get(token)
        if conversation is None:
            raise RefusedCall("no open conversation has this token (ended, or never given to this bot)")
        return conversation
