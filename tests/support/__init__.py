"""Shared fakes and helpers of the test suite (pip keeps these in ``tests/lib/``).

Test folders hold tests only; everything they share lives here. See
``tests/README.md`` for which rig serves what and how to add a test.
"""
