"""Tests of sparring.extraction."""
