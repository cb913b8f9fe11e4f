"""Tests of sparring.transcripts."""
