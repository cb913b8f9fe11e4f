"""Tests of sparring.simulator."""
