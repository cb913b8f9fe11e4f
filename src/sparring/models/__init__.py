"""Model backends behind one async interface."""

from typing import TYPE_CHECKING

from sparring.exports import lazy_attributes
from sparring.models.base import (
    ChatModel,
    ChatRequest,
    ChatResponse,
    MeteredModel,
    ModelError,
    ModelNotInstalled,
    ModelUnreachable,
    RateLimited,
    TransientModelError,
)
from sparring.models.gguf import PACKAGED_MODELS
from sparring.models.registry import (
    CallPolicy,
    ModelPool,
    check_model_spec,
    create_model,
    default_model_spec,
    endpoint_key,
    register_provider,
)
from sparring.models.scripted import ScriptedModel
from sparring.models.urls import conceal_url, probe_listening, reveal_url

if TYPE_CHECKING:
    from sparring.models.schema import answer_schema as answer_schema
    from sparring.models.schema import token_budget as token_budget
    from sparring.models.structured import ask_until_valid as ask_until_valid

__all__ = [
    "CallPolicy",
    "ChatModel",
    "ChatRequest",
    "ChatResponse",
    "MeteredModel",
    "ModelError",
    "ModelNotInstalled",
    "ModelPool",
    "ModelUnreachable",
    "PACKAGED_MODELS",
    "RateLimited",
    "ScriptedModel",
    "TransientModelError",
    "answer_schema",
    "ask_until_valid",
    "check_model_spec",
    "conceal_url",
    "create_model",
    "default_model_spec",
    "endpoint_key",
    "probe_listening",
    "register_provider",
    "reveal_url",
    "token_budget",
]

__getattr__, __dir__ = lazy_attributes(__name__, __file__)
