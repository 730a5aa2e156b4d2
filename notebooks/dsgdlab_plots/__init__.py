"""Plotting helpers for dsgdlab suite results (docs/notebooks.md).

``results`` loads a results directory (suite.json, each run's summary.json, trace.csv,
bounds.csv) into pandas DataFrames; ``figures`` draws one kind of figure per function, each
returning a matplotlib Figure; ``report`` writes RESULTS/report/index.html.

Importing the package needs only the standard library (the names below load ``results`` on
first use), so that ``python3 -c "import dsgdlab_plots.report"`` works under any Python 3 and
``python3 -m dsgdlab_plots.report`` can move itself to a Python that has matplotlib.
"""

__all__ = ["Suite", "find_suite_dirs", "load_results", "load_suite"]


def __getattr__(name):
    if name in __all__:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module 'dsgdlab_plots' has no attribute {name!r}")
