"""Helpers shared by the notebooks in notebooks/: where the results are, which suites belong
to a claim family, the verdict table as a DataFrame, and showing a figure once."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .results import Suite, find_suite_dirs, load_suite

DEFAULT_RESULTS = "../results/quick"

# Claim family → the verdict kinds whose claims belong to it and words of suite names.
FAMILIES = {
    "rate_and_bounds": ({"rate", "bound_holds"}, ("rate", "bound")),
    "speedup": ({"linear_speedup"}, ("speedup",)),
    "heterogeneity": ({"heterogeneity_robustness"}, ("heterogeneity",)),
    "topology_and_spectra": (set(), ("topolog", "spectr")),
    "staleness": (set(), ("stale",)),
    "sandwich": ({"sandwich"}, ("sandwich", "hsgd")),
    "exactness": ({"exactness"}, ("exact",)),
}


def results_dir() -> Path:
    """$DSGDLAB_RESULTS, or ../results/quick (relative to the notebook's directory)."""
    return Path(os.environ.get("DSGDLAB_RESULTS") or DEFAULT_RESULTS).resolve()


def suites_for(family: str, results: str | Path | None = None) -> list[Suite]:
    """Suites under ``results`` that belong to ``family``: one of their claims has a verdict
    kind of the family, or their name contains one of the family's words."""
    kinds, words = FAMILIES[family]
    out = []
    for d in find_suite_dirs(results or results_dir()):
        s = load_suite(d)
        if any(c.get("verdict") in kinds for c in s.claims) or any(w in s.name for w in words):
            out.append(s)
    return out


def missing_message(family: str, results: str | Path | None = None) -> str:
    r = Path(results or results_dir())
    if not r.exists():
        return (f"The results directory {r} does not exist. Run the quick suites first "
                f"(scripts/demo, or dsgdlab run experiments/suites/NAME.toml --quick --out "
                f"{r}/NAME) or set DSGDLAB_RESULTS.")
    return (f"No suite of the family '{family}' under {r} (looked for suite.json files); "
            f"nothing to show. Run the matching suite from experiments/suites/ or set "
            f"DSGDLAB_RESULTS.")


def verdict_frame(suite: Suite) -> pd.DataFrame | str:
    """The suite's verdicts.json as a table (claim, verdict, measured, expected, result), or a
    sentence saying that verdicts.json is missing."""
    if suite.verdicts is None:
        return (f"{suite.name}: verdicts.json is missing in {suite.path}: the claims have not "
                f"been evaluated (run `dsgdlab check` or `dsgdlab report` on the results).")
    rows = [{"claim": v.get("name"), "verdict": v.get("verdict"),
             "measured": v.get("measured"), "expected": v.get("expected"),
             "result": "PASS" if v.get("passed") else "FAIL"}
            for v in suite.verdicts.get("claims") or []]
    return pd.DataFrame(rows, columns=["claim", "verdict", "measured", "expected", "result"])


def show(fig) -> None:
    """Display a figure once (inline) and close it."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)


def show_verdicts(suite: Suite) -> None:
    from IPython.display import display

    v = verdict_frame(suite)
    if isinstance(v, str):
        print(v)
    else:
        with pd.option_context("display.max_colwidth", 200):
            display(v)
