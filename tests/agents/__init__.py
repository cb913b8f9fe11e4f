"""Tests of sparring.agents."""
