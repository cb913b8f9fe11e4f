"""Helpers for testing Sparring and suites: a stub OpenAI-compatible server and a generic world."""

from sparring.testing.stub_server import StubConfig, StubServer
from sparring.testing.world import world_responder

__all__ = ["StubConfig", "StubServer", "world_responder"]
