"""The pure core: scope rules, provenance and the order of credential sources.

Nothing in this package imports pip (a test enforces it), so the rules can be
unit-tested and fuzzed without a pip installation, and a new pip release never
touches them. pip's own credential sources reach the resolver as callables.
"""
