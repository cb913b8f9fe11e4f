"""Tests of sparring.viewer."""
