"""The local web viewer (reports): runs, conversations, comparisons, history, labelling, calibration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparring.viewer.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """`create_app`, imported when first asked for: the static export needs the templates, not FastAPI."""
    if name == "create_app":
        from sparring.viewer.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
