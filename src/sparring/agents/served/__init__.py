"""The mock backend served to a deployed chatbot, per conversation: the suite's tools over MCP (streamable HTTP)
and as a REST API with an OpenAPI document, each conversation behind its own unguessable URL. Calls are recorded
as the in-process path records them."""

from sparring.agents.served.conversations import TOKEN_HEADER, Conversations, RefusedCall, ServedConversation
from sparring.agents.served.rest import openapi_document
from sparring.agents.served.server import BackendServer

__all__ = [
    "TOKEN_HEADER",
    "BackendServer",
    "Conversations",
    "RefusedCall",
    "ServedConversation",
    "openapi_document",
]
