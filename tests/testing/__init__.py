"""Tests of sparring.testing."""
