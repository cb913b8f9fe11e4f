"""`provider:model` specs → model instances. Providers register themselves by name."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sparring.data_model import CallStats
from sparring.models.base import ChatModel, ModelError, ModelNotInstalled
from sparring.models.cache import CachedModel, ResponseCache
from sparring.models.gguf import DEFAULT_LOCAL, INSTALL_HINT, resolve_gguf
from sparring.models.local import embedded_model_available
from sparring.models.resilience import ResilientModel
from sparring.models.urls import redact_url, reveal_url

ProviderFactory = Callable[[str, str | None], ChatModel]
_PROVIDERS: dict[str, ProviderFactory] = {}


def register_provider(name: str) -> Callable[[ProviderFactory], ProviderFactory]:
    """Decorator: `factory(model, base_url)` serves the specs `name:model`."""

    def decorate(factory: ProviderFactory) -> ProviderFactory:
        _PROVIDERS[name] = factory
        return factory

    return decorate


@register_provider("openai")
def _openai(model: str, base_url: str | None) -> ChatModel:
    from sparring.models.openai_compat import OpenAIChatModel, provider_key

    return OpenAIChatModel(model, base_url=base_url, api_key=provider_key(model, base_url))


@register_provider("anthropic")
def _anthropic(model: str, base_url: str | None) -> ChatModel:
    from sparring.models.anthropic_model import AnthropicChatModel

    return AnthropicChatModel(model, base_url=base_url)


@register_provider("local")
def _local(model: str, base_url: str | None) -> ChatModel:
    from sparring.models.local import LocalChatModel

    return LocalChatModel(model or DEFAULT_LOCAL)


def default_model_spec() -> str:
    """The embedded model when nothing is configured; otherwise say exactly what to install."""
    if embedded_model_available():
        return f"local:{DEFAULT_LOCAL}"
    raise ModelNotInstalled(f"no model is configured and the embedded model is not installed. {INSTALL_HINT}")


def _provider_and_model(spec: str) -> tuple[str, str]:
    provider, sep, model = spec.partition(":")
    if not sep or provider not in _PROVIDERS:
        known = ", ".join(sorted(_PROVIDERS))
        raise ModelError(f"model {spec!r} must be written provider:model, with provider one of: {known}")
    return provider, model


def check_model_spec(spec: str) -> None:
    """The mistakes in a `provider:model` spec found without loading or calling anything (an unknown provider; a
    `local:` GGUF that is missing, not a GGUF or not in the Hugging Face cache), as one-line ModelErrors."""
    provider, model = _provider_and_model(spec)
    if provider == "local":
        resolve_gguf(model or DEFAULT_LOCAL)


def create_model(spec: str, base_url: str | None = None) -> ChatModel:
    """A provider's model from its `provider:model` spec, called at `base_url` (the real URL) when given."""
    provider, model = _provider_and_model(spec)
    return _PROVIDERS[provider](model, base_url)


def endpoint_key(api_key_env: str | None) -> str | None:
    """The chatbot endpoint's own key, from the variable the user named; None when none was named."""
    if api_key_env is None:
        return None
    key = os.environ.get(api_key_env)
    if not key:
        raise ModelError(f"--agent-api-key-env {api_key_env}: the environment has no {api_key_env} (export it first)")
    return key


def _chatbot_model(url: str, model: str, api_key_env: str | None) -> ChatModel:
    from sparring.models.openai_compat import OpenAIChatModel

    key = endpoint_key(api_key_env)
    if key and "@" in urlsplit(reveal_url(url) or "").netloc:
        raise ModelError(
            f"--agent {redact_url(url)} carries user info and --agent-api-key-env {api_key_env} names a key: "
            "both would be its Authorization header; give one"
        )
    key_option = f"--agent-api-key-env {api_key_env}" if api_key_env else "--agent-api-key-env: none was sent"
    return OpenAIChatModel(model, base_url=reveal_url(url), api_key=key, options=("--agent", key_option))


@dataclass
class CallPolicy:
    """How every model call is made: per-model concurrency, retries, timeouts, caching."""

    max_concurrency: int = 64
    max_retries: int = 5
    timeout_s: float | None = 120.0
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0


class ModelPool:
    """One instance per (spec, base URL) for a whole run, so an embedded model loads once for all roles.

    Every model handed out is wrapped the same way: cache (when given) → retries/back-off → provider.
    """

    def __init__(self, policy: CallPolicy | None = None, cache: ResponseCache | None = None) -> None:
        self.policy = policy or CallPolicy()
        self.cache = cache
        self.stats: dict[str, CallStats] = {}
        self._raw: dict[tuple[str, str | None], ChatModel] = {}
        self._wrapped: dict[tuple[str, str | None, bool], ChatModel] = {}

    def get(self, spec: str, base_url: str | None = None) -> ChatModel:
        """A role's model. A redacted `base_url` (see models/urls.py) is called at its real URL."""
        return self._instance((spec, base_url), lambda: create_model(spec, reveal_url(base_url)), cacheable=True)

    def chatbot(self, url: str, model: str, api_key_env: str | None = None) -> ChatModel:
        """The chatbot under test behind an OpenAI-compatible endpoint. It gets no provider key, only its
        own (from the variable `api_key_env`, when named), and is never cached: it may change between
        runs while the requests stay the same."""
        key = (f"chatbot:{model}:{api_key_env}", url)
        return self._instance(key, lambda: _chatbot_model(url, model, api_key_env), cacheable=False)

    def _instance(self, key: tuple[str, str | None], create: Callable[[], ChatModel], cacheable: bool) -> ChatModel:
        if key not in self._raw:
            self._raw[key] = create()
        if (*key, cacheable) not in self._wrapped:
            self._wrapped[(*key, cacheable)] = self._wrap(self._raw[key], cacheable)
        return self._wrapped[(*key, cacheable)]

    def _wrap(self, model: ChatModel, cacheable: bool) -> ChatModel:
        stats = self.stats.setdefault(model.name, CallStats())
        p = self.policy
        wrapped: ChatModel = ResilientModel(
            model, stats, p.max_concurrency, p.max_retries, p.timeout_s, p.base_delay_s, p.max_delay_s
        )
        if self.cache is not None and cacheable:
            wrapped = CachedModel(wrapped, self.cache, stats)
        return wrapped

    def models(self) -> list[ChatModel]:
        """Every wrapped model handed out so far."""
        return list(self._wrapped.values())

    def add(self, model: ChatModel) -> None:
        """Register a ready-made model (a scripted one, or one built in Python) under its name."""
        self._raw[(model.name, None)] = model

    async def aclose(self) -> None:
        """Close every model and forget them."""
        for model in self._raw.values():
            await model.aclose()
        self._raw.clear()
        self._wrapped.clear()
