"""Helpers for testing Sparring and suites: a stub OpenAI-compatible server."""

from sparring.testing.stub_server import StubServer

__all__ = ["StubServer"]
