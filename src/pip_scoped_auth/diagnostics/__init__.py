"""Health and explanations as data: what ``status`` and ``explain`` print.

Between the CLI (which only talks) and the pip layer and core (which decide):
``cli -> diagnostics -> pip_layer -> core``.
"""
