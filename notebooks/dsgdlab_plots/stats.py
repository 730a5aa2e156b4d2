"""Small statistics for the figures, without scipy: Student-t 95% intervals over seeds,
log–log slope fits (as analysis/stats/rate_fit.hpp: one OLS fit per seed, the mean slope with a
Student-t interval over seeds), and time to target (as analysis/stats/time_to_target.hpp)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

# t_{0.975, dof} for dof = 1..30.
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(dof: int) -> float:
    """Two-sided 95% Student-t quantile t_{0.975, dof}: a table up to 30 degrees of freedom,
    then the Cornish–Fisher expansion around z = 1.959964 (error < 1e-3). NaN for dof < 1."""
    if dof < 1:
        return math.nan
    if dof <= 30:
        return _T975[dof - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * dof) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * dof**2)


def mean_ci95(values: Sequence[float]) -> tuple[float, float, int]:
    """(mean, half-width, count) over the finite values; half-width = t·sd/√S, NaN for S < 2."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return math.nan, math.nan, 0
    if v.size == 1:
        return float(v[0]), math.nan, 1
    return float(v.mean()), t975(v.size - 1) * float(v.std(ddof=1)) / math.sqrt(v.size), int(v.size)


def band(df: pd.DataFrame, x: str, y: str, by: str = "replicate") -> pd.DataFrame:
    """Mean of ``y`` over replicates at each ``x`` with its 95% band: columns x, mean, lo, hi,
    count. Where only one replicate has a value the band collapses to the mean."""
    rows = []
    for xv, g in df.groupby(x, sort=True):
        m, hw, n = mean_ci95(g[y].to_numpy(dtype=float))
        hw0 = 0.0 if not np.isfinite(hw) else hw
        rows.append({x: xv, "mean": m, "lo": m - hw0, "hi": m + hw0, "count": n})
    return pd.DataFrame(rows)


def ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(slope, intercept, 95% half-width of the slope) of y on x; half-width NaN with 2 points."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - ym)).sum() / sxx)
    intercept = float(ym - slope * xm)
    if x.size < 3:
        return slope, intercept, math.nan
    rss = float(((y - intercept - slope * x) ** 2).sum())
    se = math.sqrt(rss / (x.size - 2) / sxx)
    return slope, intercept, t975(x.size - 2) * se


def loglog_fit(series: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    """Log–log fit of each seed's (x, y) series (points with x, y > 0; a series needs 2
    distinct x). Returns slopes per seed, ``slope`` (mean over seeds), ``half_width`` (Student-t
    over seeds, or the single seed's regression interval), ``intercept`` (mean), ``seeds``."""
    slopes, intercepts, hws = [], [], []
    for x, y in series:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
        x, y = x[ok], y[ok]
        if np.unique(x).size < 2:
            continue
        s, i, hw = ols(np.log(x), np.log(y))
        slopes.append(s)
        intercepts.append(i)
        hws.append(hw)
    if not slopes:
        return {"slope": math.nan, "half_width": math.nan, "intercept": math.nan,
                "seeds": 0, "slopes": []}
    if len(slopes) == 1:
        m, hw = slopes[0], hws[0]
    else:
        m, hw, _ = mean_ci95(slopes)
    return {"slope": m, "half_width": hw, "intercept": float(np.mean(intercepts)),
            "seeds": len(slopes), "slopes": slopes}


def time_to_target(times: Sequence[float], values: Sequence[float], target: float) -> float:
    """First time at which values ≤ target, interpolated linearly in log(value) between the
    two checkpoints around the crossing (the checkpoint time when a value is ≤ 0); NaN when
    never reached. Non-finite values never reach it."""
    t = np.asarray(times, dtype=float)
    v = np.asarray(values, dtype=float)
    for i in range(v.size):
        if np.isfinite(v[i]) and v[i] <= target:
            if i == 0:
                return float(t[0])
            a, b = v[i - 1], v[i]
            if np.isfinite(a) and a > 0 and b > 0 and target > 0 and a > b:
                frac = (math.log(a) - math.log(target)) / (math.log(a) - math.log(b))
                return float(t[i - 1] + frac * (t[i] - t[i - 1]))
            return float(t[i])
    return math.nan


def metric_column(trace: pd.DataFrame, metric: str, optimum: float | None) -> np.ndarray:
    """A trace metric as the claims define it: "loss_gap" = loss − f*, else the column."""
    if metric == "loss_gap":
        return trace["loss"].to_numpy(dtype=float) - (optimum if optimum is not None else 0.0)
    return trace[metric].to_numpy(dtype=float)
