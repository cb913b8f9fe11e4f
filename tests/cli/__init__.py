"""Tests of sparring.cli."""
