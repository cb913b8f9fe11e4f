"""The local web viewer (reports): runs, conversations, comparisons, history, labelling, calibration."""

from sparring.viewer.app import create_app

__all__ = ["create_app"]
