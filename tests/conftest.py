"""Shared pytest configuration: the fake GitLab fixtures are available everywhere."""

pytest_plugins = ["tests.gitlab.fixtures"]
