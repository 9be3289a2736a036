"""Benchmarks: ``python -m benchmarks`` from the repository root runs every one."""
