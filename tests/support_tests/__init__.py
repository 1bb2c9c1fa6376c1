"""Tests of the test harness itself (tests/support)."""
