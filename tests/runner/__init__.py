"""Tests of sparring.runner."""
