"""Benchmarks and load scripts: they print figures; they are not tests (shared machines make timings noisy)."""
