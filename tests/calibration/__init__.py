"""Tests of sparring.calibration."""
