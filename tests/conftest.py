"""Shared pytest configuration: the server fixtures (``tests/support/fixtures.py``) everywhere."""

pytest_plugins = ["tests.support.fixtures"]
