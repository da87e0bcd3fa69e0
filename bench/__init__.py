"""Benchmarks: run with `make bench`; they print numbers and never run in the test suite."""
