"""`provider:model` specs → model instances. Providers register themselves by name."""

from __future__ import annotations

from collections.abc import Callable

from sparring.models.base import ChatModel, ModelError, ModelNotInstalled
from sparring.models.local import DEFAULT_LOCAL, INSTALL_HINT, embedded_model_available

ProviderFactory = Callable[[str, str | None], ChatModel]
_PROVIDERS: dict[str, ProviderFactory] = {}


def register_provider(name: str) -> Callable[[ProviderFactory], ProviderFactory]:
    def decorate(factory: ProviderFactory) -> ProviderFactory:
        _PROVIDERS[name] = factory
        return factory

    return decorate


@register_provider("openai")
def _openai(model: str, base_url: str | None) -> ChatModel:
    from sparring.models.openai_compat import OpenAIChatModel

    return OpenAIChatModel(model, base_url=base_url)


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


def create_model(spec: str, base_url: str | None = None) -> ChatModel:
    provider, sep, model = spec.partition(":")
    if not sep or provider not in _PROVIDERS:
        known = ", ".join(sorted(_PROVIDERS))
        raise ModelError(f"model {spec!r} must be written provider:model, with provider one of: {known}")
    return _PROVIDERS[provider](model, base_url)


class ModelPool:
    """One instance per (spec, base URL) for a whole run, so an embedded model loads once for all roles."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, str | None], ChatModel] = {}

    def get(self, spec: str, base_url: str | None = None) -> ChatModel:
        key = (spec, base_url)
        if key not in self._models:
            self._models[key] = create_model(spec, base_url)
        return self._models[key]

    def models(self) -> list[ChatModel]:
        return list(self._models.values())

    def add(self, model: ChatModel) -> None:
        """Register a ready-made model (a scripted one, or one built in Python) under its name."""
        self._models[(model.name, None)] = model

    async def aclose(self) -> None:
        for model in self._models.values():
            await model.aclose()
        self._models.clear()
