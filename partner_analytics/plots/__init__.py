"""Plots: ``plot_*(data, *, ax=None, **kwargs) -> matplotlib.axes.Axes``, one module per domain, no global state."""
