"""Benchmarks of a running minipbx (not tests): `python -m bench.calls`, or `make bench`."""
