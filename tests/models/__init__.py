"""Tests of sparring.models."""
