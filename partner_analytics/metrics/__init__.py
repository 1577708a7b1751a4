"""Metric functions: pure, documented, one module per domain.

Every function takes tidy facts (a :class:`partner_analytics.Rollup` or one of
its frames) and returns a DataFrame or a float. No I/O, no plotting, no
printing. Labels and formats live in :mod:`partner_analytics.metrics.registry`.
"""
