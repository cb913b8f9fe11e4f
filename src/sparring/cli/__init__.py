"""The `sparring` command: parse, call the library, render with Rich. Nothing here the API can't do."""

from sparring.cli.app import app

__all__ = ["app"]
