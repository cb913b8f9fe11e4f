"""Tests of sparring.discovery."""
