"""Tests of sparring.importers."""
