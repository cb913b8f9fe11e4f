"""Model backends behind one async interface."""

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
from sparring.models.registry import (
    CallPolicy,
    ModelPool,
    check_model_spec,
    create_model,
    default_model_spec,
    register_provider,
)
from sparring.models.scripted import ScriptedModel

__all__ = [
    "CallPolicy",
    "RateLimited",
    "TransientModelError",
    "ChatModel",
    "ChatRequest",
    "ChatResponse",
    "MeteredModel",
    "ModelError",
    "ModelNotInstalled",
    "ModelPool",
    "ModelUnreachable",
    "ScriptedModel",
    "check_model_spec",
    "create_model",
    "default_model_spec",
    "register_provider",
]
