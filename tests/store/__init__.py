"""Tests of sparring.store."""
