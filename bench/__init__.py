"""Benchmarks for pip-scoped-auth (issue 7). Run from the checkout's root, e.g.
``.venv/bin/python -m bench.run_all``; see docs/benchmarks.md.

Targets are reported (PASS/FAIL), never asserted: timings belong to a machine,
not to the test suite.
"""
