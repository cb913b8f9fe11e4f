"""Tests of sparring.pytest_plugin."""
