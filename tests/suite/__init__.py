"""Tests of sparring.suite."""
