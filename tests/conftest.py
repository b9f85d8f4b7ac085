"""Shared pytest configuration: the fake GitLab and registry fixtures are available everywhere."""

pytest_plugins = ["tests.gitlab.fixtures", "tests.registry.fixtures"]
