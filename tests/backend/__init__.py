"""Tests of sparring.backend."""
