"""Benchmarks of docs/benchmarks.md; run with ``python benchmarks/run.py``."""
