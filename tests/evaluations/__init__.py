"""Tests of sparring.evaluations."""
