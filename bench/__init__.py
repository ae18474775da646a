"""Benchmarks, run by ``make bench``. Not tests: they print figures and ratios."""
