"""Tests of sparring.analysis."""
