"""Plotting helpers for dsgdlab suite results (docs/notebooks.md).

``results`` loads a results directory (suite.json, each run's summary.json, trace.csv,
bounds.csv) into pandas DataFrames; ``figures`` draws one kind of figure per function, each
returning a matplotlib Figure; ``report`` writes RESULTS/report/index.html.
"""

from .results import Suite, find_suite_dirs, load_results, load_suite  # noqa: F401

__all__ = ["Suite", "find_suite_dirs", "load_results", "load_suite"]
