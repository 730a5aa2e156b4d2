"""One function per kind of figure (docs/notebooks.md "Reading the figures"). Each takes a
loaded ``Suite`` (results.py) and the claim's keys, and returns a matplotlib Figure; none shows
or saves it. Measured quantities are solid lines / filled markers with a shaded Student-t 95%
band over seeds; bounds are dashed black-ish lines; fitted lines are dotted."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable


import matplotlib
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from . import stats  # noqa: E402
from .results import Suite, slowdown_of  # noqa: E402

R_LABEL = r"$R(K)=\frac{1}{K}\,\Sigma_{k<K}\,\|\nabla f(\bar x_k)\|^2$"
TIME_LABELS = {"virtual_time_s": "virtual time to target [s]", "iteration": "iterations to target"}
METRIC_LABELS = {
    "grad_norm_sq": r"$\|\nabla f(\bar x)\|^2$",
    "loss_gap": r"loss gap $f(\bar x)-f^*$",
    "running_avg_grad_norm_sq": r"$R(K)$",
}
COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]
BOUND_STYLES = ["--", "-.", (0, (5, 2, 1, 2)), (0, (3, 1, 1, 1, 1, 1))]
BOUND_COLORS = ["#222222", "#7f3f00", "#555599", "#227722"]

RC = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linestyle": ":",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _figure(ncols: int = 1, width: float = 7.0, height: float = 4.6) -> tuple[Figure, Any]:
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained",
                                 squeeze=False)
    for ax in axes.flat:
        _apply_rc(ax)
    return fig, (axes[0, 0] if ncols == 1 else list(axes.flat))


def _apply_rc(ax) -> None:
    ax.grid(True, which="major", alpha=0.3, linestyle=":")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _where_text(where: dict | None) -> str:
    if not where:
        return "all runs"
    return ", ".join(_kv(k, v) for k, v in where.items())


def _kv(key: str, value: Any) -> str:
    """"algorithm.name"=adpsgd → "adpsgd"; "run.workers"=8 → "workers=8"."""
    last = key.split(".")[-1]
    if last in ("name", "kind"):
        return _short(value)
    if key == "cost.slow_workers":
        return f"slowdown={_short(value)}"
    return f"{last}={_short(value)}"


def _short(v: Any) -> str:
    if isinstance(v, str) and v[:1] in "[{":
        try:
            v = json.loads(v)
        except ValueError:
            return v
    if isinstance(v, list):
        if all(isinstance(e, dict) and "factor" in e for e in v):
            return f"{slowdown_of(v):g}x" if v else "none"
        return "[" + ",".join(_short(e) for e in v) + "]" if v else "none"
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}={_short(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def point_label(suite: Suite, point_key: str, vary: Iterable[str] | None = None) -> str:
    """A short label of a point from the keys that vary between the suite's points (or
    ``vary``); the run's label when it has one."""
    rows = suite.runs[suite.runs["point_key"] == point_key]
    if len(rows) and rows["label"].iloc[0]:
        return str(rows["label"].iloc[0])
    point = json.loads(point_key)
    keys = list(vary) if vary is not None else varying_keys(suite)
    parts = [_kv(k, point[k]) for k in keys if k in point]
    return ", ".join(parts) if parts else "run"


def varying_keys(suite: Suite) -> list[str]:
    """Point keys with more than one distinct value among the suite's runs."""
    out = []
    for k in suite.point_keys:
        if suite.runs[k].astype(str).nunique() > 1:
            out.append(k)
    return out


def _no_data(message: str) -> Figure:
    fig, ax = _figure(height=2.2)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=11)
    return fig


def _loglog(ax) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="minor", alpha=0.12, linestyle=":")


def _pos(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return np.where(a > 0, a, np.nan)


def _log_lower(mean: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Lower ends of a band or error bar for a log axis: a lower end ≤ 0 (a wide Student-t
    interval over few seeds) is drawn at a floor a decade and a half below the smallest
    positive mean, i.e. "off the bottom", rather than dropped."""
    mean = np.asarray(mean, dtype=float)
    lo = np.asarray(lo, dtype=float)
    pos = mean[np.isfinite(mean) & (mean > 0)]
    floor = pos.min() / 30 if pos.size else np.nan
    return np.where(lo > floor, lo, floor)


def _yerr_log(mean, lo, hi) -> list[np.ndarray]:
    mean = np.asarray(mean, dtype=float)
    return [mean - _log_lower(mean, lo), np.asarray(hi, dtype=float) - mean]


def _plot_band(ax, b: pd.DataFrame, x: str, color, label: str, marker: str | None = None,
               lw: float = 1.8, seeds: pd.DataFrame | None = None, y: str = "") -> None:
    """Mean curve with its 95% band; with ``seeds`` (rows with ``replicate``, x and ``y``)
    each seed's own curve is drawn thin underneath."""
    if seeds is not None and seeds["replicate"].nunique() > 1:
        ax._dsgdlab_seeds = True
        for _, g in seeds.groupby("replicate"):
            ax.plot(g[x], _pos(g[y]), color=color, lw=0.6, alpha=0.45)
    ax.plot(b[x], _pos(b["mean"]), color=color, lw=lw, label=label, marker=marker, ms=4)
    if (b["count"] > 1).any():
        lo, hi = _log_lower(b["mean"], b["lo"]), _pos(b["hi"])
        ax._dsgdlab_band = True
        if np.any(np.asarray(b["lo"], dtype=float) <= 0):
            ax._dsgdlab_clipped = True
        ax.fill_between(b[x], lo, hi, color=color, alpha=0.13, lw=0)
        for edge in (lo, hi):  # band edges stay visible where bands overlap
            ax.plot(b[x], edge, color=color, lw=0.7, alpha=0.6, ls=(0, (1, 1)))


def _legend(ax, **kw) -> None:
    """The axes' legend, plus entries that explain the bands and thin seed lines drawn by
    ``_plot_band`` (and that a band cut at the bottom has a lower end ≤ 0)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    if getattr(ax, "_dsgdlab_band", False):
        txt = "shaded: Student-t 95% CI of the mean"
        if getattr(ax, "_dsgdlab_clipped", False):
            txt += "\n(cut at the bottom where its lower end ≤ 0)"
        handles.append(Patch(facecolor="0.6", alpha=0.3, edgecolor="0.5", ls=":"))
        labels.append(txt)
    if getattr(ax, "_dsgdlab_seeds", False):
        handles.append(Line2D([], [], color="0.4", lw=0.6, alpha=0.6))
        labels.append("thin lines: single seeds")
    kw.setdefault("framealpha", 0.9)
    ax.legend(handles, labels, **kw)


def _legend_below(fig, ax) -> None:
    """Legend under the axes, so that it never covers points or error bars."""
    fig.set_size_inches(fig.get_size_inches()[0], 6.0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, framealpha=0.9,
              fontsize=8.5)


def _nice_log_y(ax) -> None:
    """On a log y axis spanning less than about two decades, ticks at 1, 2, 5 × 10^k printed
    plainly ("300", "0.02") instead of sparse 10^k ticks with crowded minor labels."""
    lo, hi = ax.get_ylim()
    if lo <= 0 or hi <= 0 or math.log10(hi / lo) > 2.2:
        return
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def _data_xticks(ax, xs) -> None:
    """Tick a log x axis at the measured x values (K or n), printed plainly."""
    xs = sorted({float(v) for v in xs if np.isfinite(v) and v > 0})
    if 1 < len(xs) <= 12:
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{v:g}" for v in xs])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def _bound_info(suite: Suite, run_ids: Iterable[str]) -> dict[str, dict]:
    """name → bounds.list entry of the first run that has it, with values over replicates."""
    info: dict[str, dict] = {}
    for rid in run_ids:
        s = suite.summary(rid) or {}
        for b in ((s.get("bounds") or {}).get("list") or []):
            e = info.setdefault(b["name"], dict(b, values=[]))
            if b.get("value") is not None:
                e["values"].append(float(b["value"]))
    return info


def _bound_label(name: str, entry: dict | None) -> str:
    label = f"bound: {name}"
    if entry:
        if entry.get("role") == "reference":
            label = f"reference bound: {name}"
        if entry.get("conditions_hold") is False:
            label += " (conditions fail)"
    return label


# ---------------------------------------------------------------------------------------------
def bound_vs_empirical(suite: Suite, where: dict | None = None,
                       bounds: Iterable[str] | None = None, title: str | None = None) -> Figure:
    """Measured R(K) of the selected point(s) (mean over seeds, 95% band) against the bound
    curves of bounds.csv (mean over seeds), log–log. ``bounds``: names to draw (default every
    bound column)."""
    table = suite.bounds_tables(where)
    if table.empty:
        return _no_data(f"{suite.name}: no bounds.csv for {_where_text(where)}")
    fig, ax = _figure()
    _loglog(ax)
    points = list(dict.fromkeys(table["point_key"]))
    base = {"iteration", "running_avg_grad_norm_sq", "id", "label", "replicate", "seed",
            "point_key"}
    bound_cols = [c for c in table.columns if c not in base]
    if bounds is not None:
        bound_cols = [c for c in bound_cols if c in set(bounds)]
    info = _bound_info(suite, table["id"].unique())
    for i, pk in enumerate(points):
        t = table[(table["point_key"] == pk) & (table["iteration"] > 0)]
        nseeds = t["replicate"].nunique()
        color = COLORS[i % len(COLORS)]
        lab = "measured R(K)" + (f" [{point_label(suite, pk)}]" if len(points) > 1 else "")
        lab += f", mean of {nseeds} seed{'s' if nseeds != 1 else ''}" + (
            " ± 95% CI" if nseeds > 1 else "")
        _plot_band(ax, stats.band(t, "iteration", "running_avg_grad_norm_sq"), "iteration",
                   color, lab, seeds=t, y="running_avg_grad_norm_sq")
        for j, col in enumerate(bound_cols):
            bt = t[["iteration", col]].dropna()
            if bt.empty:
                continue
            b = bt.groupby("iteration")[col].mean()
            ax.plot(b.index, _pos(b.to_numpy()), ls=BOUND_STYLES[j % len(BOUND_STYLES)],
                    color=BOUND_COLORS[j % len(BOUND_COLORS)] if len(points) == 1 else color,
                    lw=1.6, label=_bound_label(col, info.get(col)) + (
                        f" [{point_label(suite, pk)}]" if len(points) > 1 else ""))
    if not bound_cols:
        ax.text(0.02, 0.1, "no bound applies to these runs (bounds.csv has no bound column)",
                transform=ax.transAxes, fontsize=9, color="0.3")
    ax.set_xlabel("iterations K")
    ax.set_ylabel(R_LABEL)
    ax.set_title(title or f"{suite.name}: bound vs measured R(K) ({_where_text(where)})")
    _legend(ax, loc="best")
    return fig


# ---------------------------------------------------------------------------------------------
def _series_final(suite: Suite, where, x: str, metric: str = "final_r"):
    s = suite.summaries(where)
    if s.empty or x not in s.columns:
        return s, []
    s = s.copy()
    s["_x"] = pd.to_numeric(s[x], errors="coerce")
    series = [(g["_x"].to_numpy(), g[metric].to_numpy()) for _, g in
              s.sort_values("_x").groupby("replicate")]
    return s, series


def _fit_label(fit: dict, expected: float | None, what: str = "slope") -> str:
    if not np.isfinite(fit["slope"]):
        return "fit: not enough points"
    hw = fit["half_width"]
    txt = f"fit: {what} {fit['slope']:.3f}"
    if np.isfinite(hw):
        txt += f" ± {hw:.3f} (95% CI, {fit['seeds']} seed{'s' if fit['seeds'] != 1 else ''})"
    if expected is not None:
        txt += f"; expected {expected:g}"
    return txt


def _draw_fit(ax, xs: np.ndarray, fit: dict, expected: float | None, anchor: tuple | None,
              what: str = "slope") -> None:
    if np.isfinite(fit["slope"]):
        xx = np.geomspace(np.nanmin(xs), np.nanmax(xs), 50)
        ax.plot(xx, np.exp(fit["intercept"]) * xx ** fit["slope"], ":", color="C3", lw=2,
                label=_fit_label(fit, expected, what))
    if expected is not None and anchor is not None and np.all(np.isfinite(anchor)) \
            and anchor[1] > 0:
        xx = np.geomspace(np.nanmin(xs), np.nanmax(xs), 50)
        ax.plot(xx, anchor[1] * (xx / anchor[0]) ** expected, "--", color="0.45", lw=1.3,
                label=f"reference slope {expected:g} (through the first mean)")


def rate_fit(suite: Suite, where: dict | None = None, x: str = "run.iterations",
             expected: float = -0.5, metric: str = "final_r", title: str | None = None) -> Figure:
    """Final R(K) against K over the selected points, log–log: each seed's value (small
    dots), the mean over seeds with 95% error bars, the fitted slope (mean of the per-seed
    log–log slopes with its Student-t interval, as the rate verdict) and the expected slope."""
    s, series = _series_final(suite, where, x, metric)
    if s.empty or not series:
        return _no_data(f"{suite.name}: no finished runs for {_where_text(where)}")
    fig, ax = _figure()
    _loglog(ax)
    ax.scatter(s["_x"], _pos(s[metric]), s=14, color="C0", alpha=0.45,
               label="measured, one dot per seed")
    b = stats.band(s, "_x", metric)
    ax.errorbar(b["_x"], b["mean"], yerr=_yerr_log(b["mean"], b["lo"], b["hi"]), fmt="o",
                color="C0", ms=6, capsize=4, lw=1.5, label="measured, mean ± 95% CI over seeds")
    _data_xticks(ax, b["_x"])
    fit = stats.loglog_fit(series)
    _draw_fit(ax, s["_x"].to_numpy(), fit, expected,
              (b["_x"].iloc[0], b["mean"].iloc[0]) if len(b) else None)
    _nice_log_y(ax)
    ax.set_xlabel("iterations K" if x == "run.iterations" else x)
    ax.set_ylabel("final " + (R_LABEL if metric == "final_r" else metric))
    ax.set_title(title or f"{suite.name}: rate of R(K) ({_where_text(where)})")
    _legend_below(fig, ax)
    return fig


# ---------------------------------------------------------------------------------------------
def times_to_target(suite: Suite, where: dict | None, metric: str, target: float,
                    time: str = "virtual_time_s") -> pd.DataFrame:
    """One row per finished run: the run columns plus ``time_to_target`` (NaN if never
    reached), ``slowdown`` and ``algorithm``."""
    rows = []
    for _, run in suite.select(where).iterrows():
        t = suite.trace(run["id"])
        summ = suite.summary(run["id"]) or {}
        if t is None or t.empty:
            continue
        opt = None
        try:
            opt = float(summ["constants"]["optimum_value"]["value"])
        except (KeyError, TypeError, ValueError):
            pass
        if metric not in t.columns and metric != "loss_gap":
            continue
        v = stats.metric_column(t, metric, opt)
        rec = run.to_dict()
        rec["time_to_target"] = stats.time_to_target(t[time].to_numpy(dtype=float), v, target)
        rec["slowdown"] = slowdown_of(run.get("cost.slow_workers"))
        rec["algorithm"] = (summ.get("algorithm") or {}).get("name") or run.get(
            "algorithm.name")
        rows.append(rec)
    return pd.DataFrame(rows)


def linear_speedup(suite: Suite, where: dict | None = None, x: str = "run.workers",
                   metric: str = "loss_gap", target: float = 1e-2,
                   time: str = "virtual_time_s", expected: float = -1.0,
                   title: str | None = None) -> Figure:
    """Time to reach ``metric`` ≤ ``target`` against the number of workers n, log–log: seeds
    as dots, means with 95% error bars, fitted slope (ideal linear speedup: −1)."""
    df = times_to_target(suite, where, metric, target, time)
    if df.empty or x not in df.columns:
        return _no_data(f"{suite.name}: no finished runs for {_where_text(where)}")
    df["_x"] = pd.to_numeric(df[x], errors="coerce")
    fig, ax = _figure()
    _loglog(ax)
    reached = df[np.isfinite(df["time_to_target"])]
    ax.scatter(reached["_x"], reached["time_to_target"], s=14, alpha=0.45, color="C0",
               label="measured, one dot per seed")
    b = stats.band(reached, "_x", "time_to_target")
    if len(b):
        ax.errorbar(b["_x"], b["mean"], yerr=_yerr_log(b["mean"], b["lo"], b["hi"]),
                    fmt="o", color="C0", ms=6, capsize=4, label="measured, mean ± 95% CI")
    _data_xticks(ax, df["_x"])
    series = [(g["_x"].to_numpy(), g["time_to_target"].to_numpy())
              for _, g in df.sort_values("_x").groupby("replicate")]
    fit = stats.loglog_fit(series)
    _draw_fit(ax, df["_x"].to_numpy(), fit, expected,
              (b["_x"].iloc[0], b["mean"].iloc[0]) if len(b) else None)
    missed = df[~np.isfinite(df["time_to_target"])]
    if len(missed):
        ax.text(0.02, 0.03, f"{len(missed)} run(s) never reached the target: "
                + ", ".join(f"{x.split('.')[-1]}={v:g}" for v in sorted(missed['_x'].unique())),
                transform=ax.transAxes, fontsize=9, color="C3")
    _nice_log_y(ax)
    ax.set_xlabel("workers n" if x == "run.workers" else x)
    ax.set_ylabel(TIME_LABELS.get(time, time) + f"\n({METRIC_LABELS.get(metric, metric)}"
                  f" ≤ {target:g})")
    ax.set_title(title or f"{suite.name}: speedup in n ({_where_text(where)})")
    _legend_below(fig, ax)
    return fig


# ---------------------------------------------------------------------------------------------
def _category(run: pd.Series, axis: str) -> tuple[float, str]:
    """(sort key, label) of a point along a heterogeneity axis."""
    v = run.get(axis)
    if axis == "cost.slow_workers":
        f = slowdown_of(v)
        return f, f"{f:g}x"
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return 1.0, "none"
    if isinstance(v, str) and v[:1] == "[":
        try:
            entries = json.loads(v)
        except ValueError:
            entries = None
        if isinstance(entries, list) and all(isinstance(e, dict) for e in entries):
            # slow_links and the like: the largest of every *factor key
            fs = [float(x) for e in entries for k, x in e.items() if k.endswith("factor")]
            f = max(fs) if fs else 1.0
            return f, f"{f:g}x"
    if isinstance(v, (int, float)):
        return float(v), f"{v:g}"
    txt = _short(v)
    return float("inf") if txt != "none" else 1.0, txt


def heterogeneity_bars(suite: Suite, robust: str | None = None,
                       synchronous: Iterable[str] | None = None,
                       axis: str = "cost.slow_workers", metric: str = "loss_gap",
                       target: float = 1e-2, time: str = "virtual_time_s",
                       where: dict | None = None, title: str | None = None) -> Figure:
    """Time to target per algorithm (bars) and per slowdown along ``axis`` (groups), mean over
    seeds with 95% error bars, log y axis. A bar that never reached the target is drawn hollow
    and marked "not reached"; a bar over only some seeds is marked "k/S reached"."""
    df = times_to_target(suite, where, metric, target, time)
    if df.empty:
        return _no_data(f"{suite.name}: no finished runs for {_where_text(where)}")
    cats = [_category(r, axis) for _, r in df.iterrows()]
    df["_cat_key"] = [c[0] for c in cats]
    df["_cat"] = [c[1] for c in cats]
    order = (df[["_cat_key", "_cat"]].drop_duplicates().sort_values(["_cat_key", "_cat"]))
    cat_labels = list(order["_cat"])
    algos = list(dict.fromkeys(([robust] if robust else []) + list(synchronous or [])))
    algos += [a for a in df["algorithm"].dropna().unique() if a not in algos]
    algos = [a for a in algos if (df["algorithm"] == a).any()]
    fig, ax = _figure(width=max(7.0, 1.3 * len(cat_labels) + 3))
    ax.set_yscale("log")
    width = 0.8 / max(1, len(algos))
    ymax = np.nanmax(df["time_to_target"].to_numpy(dtype=float)) if np.isfinite(
        df["time_to_target"]).any() else 1.0
    tops: list[float] = []
    for i, a in enumerate(algos):
        xs, means, errs, hollow, partial = [], [], [], [], []
        for j, c in enumerate(cat_labels):
            g = df[(df["algorithm"] == a) & (df["_cat"] == c)]
            if g.empty:
                continue
            m, hw, n = stats.mean_ci95(g["time_to_target"].to_numpy(dtype=float))
            xs.append(j + (i - (len(algos) - 1) / 2) * width)
            if n == 0:
                hollow.append(xs[-1])
            elif n < len(g):
                partial.append((xs[-1], m, f"{n}/{len(g)}\nreached"))
            means.append(m if np.isfinite(m) else np.nan)
            hw = hw if np.isfinite(hw) else 0.0
            errs.append((min(hw, m - m / 30) if np.isfinite(m) else 0.0, hw))
        color = COLORS[i % len(COLORS)]
        label = a + (" (robust)" if a == robust else "")
        tops += [m + e[1] for m, e in zip(means, errs) if np.isfinite(m)]
        yerr = np.array(errs, dtype=float).T if errs else None
        ax.bar(xs, np.nan_to_num(means, nan=0.0), width=width * 0.92, color=color,
               yerr=yerr, capsize=3, label=label, edgecolor="black", lw=0.5)
        for px, pm, txt in partial:
            ax.text(px, pm * 1.15, txt, ha="center", va="bottom", fontsize=7, color=color)
        for hx in hollow:
            ax.bar([hx], [ymax * 1.5], width=width * 0.92, fill=False, hatch="//",
                   edgecolor=color, lw=0.8)
            ax.text(hx, ymax * 1.6, "not\nreached", ha="center", va="bottom", fontsize=7,
                    color=color)
    ax.set_xticks(range(len(cat_labels)))
    ax.set_xticklabels(cat_labels)
    ax.set_xlabel({"cost.slow_workers": "slowdown of one worker (largest factor)",
                   "cost.slow_links": "slow link (largest latency or bandwidth factor)",
                   "cost.server_bandwidth_bytes_per_s": "parameter-server link bandwidth [B/s]",
                   "cost.server_latency_s": "parameter-server link latency [s]"}.get(axis, axis))
    ax.set_ylabel(TIME_LABELS.get(time, time) + f"\n({METRIC_LABELS.get(metric, metric)}"
                  f" ≤ {target:g}; mean ± 95% CI)")
    ax.set_title(title or f"{suite.name}: time to target under heterogeneity")
    ax.legend(loc="upper left", framealpha=0.9, ncol=min(4, len(algos)))
    ax.set_ylim(top=min(ymax * 30, max([ymax * 4] + [t for t in tops if np.isfinite(t)]) * 1.3))
    _nice_log_y(ax)
    ax.grid(False, axis="x")
    return fig


# ---------------------------------------------------------------------------------------------
def _period(name: str) -> float:
    m = re.match(r"sandwich_local_sgd_(\d+)$", name)
    return float(m.group(1)) if m else math.nan


def sandwich_curves(suite: Suite, inner: dict, hierarchical: dict, outer: dict,
                    hierarchical_bound: str | None = None, title: str | None = None) -> Figure:
    """Left: measured R(K) of local SGD with the short period (inner), H-SGD and local SGD
    with the long period (outer), means over seeds with 95% bands, log–log. Right: the final
    measured R(K) of each (dots with error bars) beside the three bound values at the last K
    (from the H-SGD run's summary bounds.list: sandwich_local_sgd_<P_1>, the H-SGD bound,
    sandwich_local_sgd_<P_M>), so both orderings can be read off."""
    parts = [("local SGD, short period (inner)", inner),
             ("H-SGD (hierarchical)", hierarchical),
             ("local SGD, long period (outer)", outer)]
    fig, (ax, ax2) = _figure(ncols=2, width=11.5, height=4.8)
    _loglog(ax)
    finals = []
    for i, (name, where) in enumerate(parts):
        t = suite.traces(where)
        if t.empty:
            finals.append((math.nan, math.nan, 0))
            continue
        t = t[t["iteration"] > 0]
        b = stats.band(t, "iteration", "running_avg_grad_norm_sq")
        _plot_band(ax, b, "iteration", COLORS[i], f"measured: {name}", seeds=t,
                   y="running_avg_grad_norm_sq")
        s = suite.summaries(where)
        finals.append(stats.mean_ci95(s["final_r"].to_numpy(dtype=float)))
    h_ids = suite.select(hierarchical)["id"].tolist()
    info = _bound_info(suite, h_ids)
    locals_ = sorted((n for n in info if np.isfinite(_period(n))), key=_period)
    hb = hierarchical_bound or next((n for n in ("hsgd_two_level", "hsgd_multilevel")
                                     if n in info), None)
    rungs = [locals_[0] if locals_ else None, hb, locals_[-1] if locals_ else None]
    bvals = []
    for n in rungs:
        vals = info.get(n, {}).get("values", []) if n else []
        bvals.append(float(np.mean(vals)) if vals else math.nan)
    # bound curves of the H-SGD run from bounds.csv when present
    bt = suite.bounds_tables(hierarchical)
    for j, n in enumerate(rungs):
        if n and not bt.empty and n in bt.columns:
            c = bt[bt["iteration"] > 0].groupby("iteration")[n].mean()
            ax.plot(c.index, _pos(c.to_numpy()), ls="--", color=COLORS[j], lw=1.3, alpha=0.9,
                    label=f"bound: {n}")
    ax.set_xlabel("iterations K")
    ax.set_ylabel(R_LABEL)
    ax.set_title("R(K) with 95% bands over seeds")
    _legend(ax, loc="best", fontsize=7.5)
    # right panel: orderings
    ax2.set_yscale("log")
    xs = np.arange(3)
    labels = ["local SGD\nshort period", "H-SGD", "local SGD\nlong period"]
    m = np.array([f[0] for f in finals])
    hw = np.array([f[1] if np.isfinite(f[1]) else 0.0 for f in finals])
    per_seed = {}
    for j, (_, where) in enumerate(parts):
        ss = suite.summaries(where)
        for _, r in ss.iterrows():
            per_seed.setdefault(r["replicate"], [math.nan] * 3)[j] = r["final_r"]
    for k, vals in enumerate(per_seed.values()):
        ax2.plot(xs - 0.08, _pos(np.array(vals)), color="C0", lw=0.6, alpha=0.45,
                 label="measured, single seeds (paired)" if k == 0 else None)
    ax2.errorbar(xs - 0.08, _pos(m), yerr=_yerr_log(m, m - hw, m + hw), fmt="o-", color="C0", capsize=4, ms=7,
                 label="measured final R(K), mean ± 95% CI")
    ax2.plot(xs + 0.08, _pos(np.array(bvals)), "s--", color="0.15", ms=7,
             label="bound value at the last K")
    ax2.set_xticks(xs)
    ax2.set_xticklabels([f"{lab}\n[{n or 'no bound'}]" for lab, n in zip(labels, rungs)],
                        fontsize=8)
    ax2.set_xlim(-0.5, 2.5)
    _nice_log_y(ax2)
    ax2.set_ylabel(R"final $R(K)$ / bound value")
    ax2.set_title("sandwich ordering: inner ≤ H-SGD ≤ outer")
    ax2.legend(loc="best", framealpha=0.9, fontsize=8)
    ax2.grid(False, axis="x")
    fig.suptitle(title or f"{suite.name}: H-SGD sandwich")
    return fig


# ---------------------------------------------------------------------------------------------
def staleness_histograms(suite: Suite, where: dict | None = None, by: str | None = None,
                         title: str | None = None) -> Figure:
    """Distribution of the staleness τ of the applied updates (summary.json
    staleness.histogram, summed over seeds) per point, as step histograms of the fraction of
    updates (log y), with mean and maximum T in the legend."""
    runs = suite.select(where)
    groups: dict[str, dict] = {}
    for _, r in runs.iterrows():
        s = suite.summary(r["id"]) or {}
        st = s.get("staleness")
        if not st or not st.get("histogram"):
            continue
        key = str(r.get(by)) if by else r["point_key"]
        g = groups.setdefault(key, {"counts": {}, "max": 0, "means": [],
                                    "label": _short(r.get(by)) if by else
                                    point_label(suite, r["point_key"])})
        for h in st["histogram"]:
            g["counts"][int(h["staleness"])] = g["counts"].get(int(h["staleness"]), 0) + int(
                h["count"])
        g["max"] = max(g["max"], int(st.get("max") or 0))
        g["means"].append(float(st.get("mean") or 0.0))
    if not groups:
        return _no_data(f"{suite.name}: no staleness histograms (synchronous runs only?)")
    fig, ax = _figure()
    ax.set_yscale("log")
    for i, (key, g) in enumerate(groups.items()):
        taus = np.array(sorted(g["counts"]))
        counts = np.array([g["counts"][t] for t in taus], dtype=float)
        frac = counts / counts.sum()
        # a line joins consecutive τ only: a gap in the support is a gap in the line
        xs_, ys_ = [], []
        for k, (tau, fr) in enumerate(zip(taus, frac)):
            if k and tau > taus[k - 1] + 1:
                xs_.append(np.nan)
                ys_.append(np.nan)
            xs_.append(tau)
            ys_.append(fr)
        # markers and dashes differ per curve, so that identical distributions stay visible
        ax.plot(xs_, ys_, marker="os^Dv<>p"[i % 8], ls="-" if i % 2 == 0 else "--",
                mfc=COLORS[i % len(COLORS)] if i % 2 == 0 else "none",
                ms=4.5 if i % 2 else 3.5, lw=1.0, color=COLORS[i % len(COLORS)],
                label=f"{g['label']}: mean τ {np.mean(g['means']):.2f}, max T {g['max']}")
        ax.axvline(np.mean(g["means"]), color=COLORS[i % len(COLORS)], ls=":", lw=1)
    ax.set_xlabel("staleness τ (updates applied since the snapshot was read)")
    ax.set_ylabel("fraction of updates with this τ")
    ax.set_title(title or f"{suite.name}: staleness distribution ({_where_text(where)})")
    if len(groups) > 3:
        fig.set_size_inches(10.5, 4.6)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9, fontsize=8)
    else:
        ax.legend(loc="best", framealpha=0.9)
    return fig


# ---------------------------------------------------------------------------------------------
def spectra(suite: Suite, where: dict | None = None, topology_key: str = "topology.kind",
            n_key: str = "run.workers", title: str | None = None) -> Figure:
    """Left: ρ (summary.json spectral[0].rho: D-PSGD SLEM², AD-PSGD λ_2(E[W])) per topology
    against n; a bar chart when every point has the same n. Right: the measured consensus
    distance Ξ at the end (mean over seeds) against 1 − ρ, log–log."""
    s = suite.summaries(where)
    if s.empty or not np.isfinite(s["rho"]).any():
        return _no_data(f"{suite.name}: no spectral data in summary.json")
    s = s.copy()
    s["_topo"] = s[topology_key] if topology_key in s.columns else s["topology"]
    s["_n"] = pd.to_numeric(s[n_key], errors="coerce") if n_key in s.columns else s["workers"]
    fig, (ax, ax2) = _figure(ncols=2, width=11.5, height=4.6)
    topos = list(dict.fromkeys(s["_topo"].astype(str)))
    ns = sorted(s["_n"].dropna().unique())
    if len(ns) > 1:
        for i, tk in enumerate(topos):
            g = s[s["_topo"].astype(str) == tk].groupby("_n")["rho"].mean()
            ax.plot(g.index, 1 - g.to_numpy(), "o-", color=COLORS[i % len(COLORS)], label=tk)
        _loglog(ax)
        _data_xticks(ax, ns)
        ax.set_xlabel("workers n")
        ax.set_ylabel(r"spectral gap $1-\rho$")
        ax.set_title(r"$1-\rho$ against n (log–log)")
    else:
        g = s.groupby(s["_topo"].astype(str))["rho"].mean().reindex(topos)
        ax.bar(range(len(g)), 1 - g.to_numpy(), color=[COLORS[i % len(COLORS)]
                                                      for i in range(len(g))])
        for i, v in enumerate(g.to_numpy()):
            ax.text(i, 1 - v, f"ρ={v:.4g}", ha="center", va="bottom", fontsize=8)
        ax.set_yscale("log")
        ax.set_xticks(range(len(g)))
        ax.set_xticklabels(g.index, rotation=20)
        ax.set_ylabel(r"spectral gap $1-\rho$")
        ax.set_title(f"1 − ρ per topology (n = {ns[0]:g})" if ns else "1 − ρ per topology")
        ax.grid(False, axis="x")
    ax.legend(loc="best") if len(ns) > 1 else None
    for i, tk in enumerate(topos):
        g = s[s["_topo"].astype(str) == tk]
        agg = g.groupby("point_key").agg(rho=("rho", "mean"), cons=("final_consensus", "mean"))
        ax2.scatter(1 - agg["rho"], _pos(agg["cons"]), color=COLORS[i % len(COLORS)], s=30,
                    label=tk)
    _loglog(ax2)
    ax2.set_xlabel(r"spectral gap $1-\rho$")
    ax2.set_ylabel(r"final consensus distance $\Xi$ (mean over seeds)")
    ax2.set_title("consensus distance vs spectral gap")
    ax2.legend(loc="best", framealpha=0.9)
    fig.suptitle(title or f"{suite.name}: spectra")
    return fig


# ---------------------------------------------------------------------------------------------
def same_trace(suite: Suite, a: dict, b: dict, columns: Iterable[str] = ("loss",),
               title: str | None = None) -> Figure:
    """An exactness check of kind same_trace: left, the first column of both traces (seed 0)
    on top of each other; right, the largest |a − b| over the listed columns per checkpoint
    (over seeds), log y; an exact match shows "identical"."""
    ta, tb = suite.traces(a), suite.traces(b)
    if ta.empty or tb.empty:
        return _no_data(f"{suite.name}: same_trace: missing runs for {_where_text(a)} or "
                        f"{_where_text(b)}")
    cols = [c for c in columns if c in ta.columns and c in tb.columns]
    fig, (ax, ax2) = _figure(ncols=2, width=11.5, height=4.4)
    r0a = ta[ta["replicate"] == ta["replicate"].min()]
    r0b = tb[tb["replicate"] == tb["replicate"].min()]
    c0 = cols[0] if cols else "loss"
    ax.plot(r0a["iteration"], r0a[c0], lw=2.5, color="C0", label=f"a: {_where_text(a)}")
    ax.plot(r0b["iteration"], r0b[c0], lw=1.2, ls="--", color="C1", label=f"b: {_where_text(b)}")
    ax.set_xlabel("iteration")
    ax.set_ylabel(c0)
    ax.set_title(f"{c0}, first seed")
    ax.legend(loc="best", framealpha=0.9, fontsize=8)
    m = ta.merge(tb, on=["replicate", "iteration"], suffixes=("_a", "_b"))
    if cols and not m.empty:
        diff = np.max(np.column_stack([np.abs(m[f"{c}_a"] - m[f"{c}_b"]) for c in cols]), axis=1)
        d = pd.Series(diff, index=m["iteration"]).groupby(level=0).max()
        if (d > 0).any():
            ax2.semilogy(d.index, np.where(d > 0, d, np.nan), color="C3", lw=1.5)
        same = not (d > 0).any()
        ax2.text(0.5, 0.5 if same else 0.92,
                 f"largest |a − b| = {d.max():.3g}" + ("\n(bitwise identical at every checkpoint)"
                                                       if same else ""),
                 transform=ax2.transAxes, ha="center", va="center", fontsize=11)
        if same:
            ax2.set_yticks([])
            ax2.set_xticks([])
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("largest |a − b| over " + ", ".join(cols))
    ax2.set_title("residual per checkpoint (all seeds)")
    fig.suptitle(title or f"{suite.name}: same trace")
    return fig


def r_curves(suite: Suite, where: dict | None = None, title: str | None = None,
             max_points: int = 8) -> Figure:
    """Measured R(K) of each point (mean over seeds, 95% band), log–log: the overview figure
    for a suite without a more specific one."""
    t = suite.traces(where)
    if t.empty:
        return _no_data(f"{suite.name}: no finished runs for {_where_text(where)}")
    fig, ax = _figure()
    _loglog(ax)
    points = list(dict.fromkeys(t["point_key"]))[:max_points]
    bands = len(points) <= 3  # more bands than that overlap into one blur
    styles = ["-", "--", "-.", ":"]
    for i, pk in enumerate(points):
        g = t[(t["point_key"] == pk) & (t["iteration"] > 0)]
        b = stats.band(g, "iteration", "running_avg_grad_norm_sq")
        if bands:
            _plot_band(ax, b, "iteration", COLORS[i % len(COLORS)], point_label(suite, pk),
                       seeds=g, y="running_avg_grad_norm_sq")
        else:
            ax.plot(b["iteration"], _pos(b["mean"]), color=COLORS[i % len(COLORS)],
                    ls=styles[(i // len(COLORS)) % len(styles)], lw=1.6,
                    label=point_label(suite, pk))
    ax.set_xlabel("iterations K")
    ax.set_ylabel(R_LABEL)
    ax.set_title(title or (f"{suite.name}: measured R(K), mean ± 95% CI over seeds" if bands
                           else f"{suite.name}: measured R(K), mean over seeds"))
    _legend(ax, loc="best", fontsize=8)
    return fig


def divergence_identity(suite: Suite, where: dict | None = None,
                        title: str | None = None) -> Figure:
    """An exactness check of kind divergence_identity: left, ζ² (trace `heterogeneity`) and
    its parts (`intra_group_divergence` + `inter_group_divergence`, or `level_<ℓ>_divergence`)
    against the iteration (first seed, log y); right, the relative residual
    |Σ parts − ζ²| / ζ² per checkpoint over all seeds (and the same for the consensus split)."""
    t = suite.traces(where)
    if t.empty or "heterogeneity" not in t.columns:
        return _no_data(f"{suite.name}: divergence_identity: no trace with heterogeneity for "
                        f"{_where_text(where)}")
    parts = [c for c in ("intra_group_divergence", "inter_group_divergence") if c in t.columns]
    if not parts:
        parts = sorted(c for c in t.columns if re.fullmatch(r"level_\d+_divergence", c))
    cparts = [c for c in ("intra_group_consensus", "inter_group_consensus") if c in t.columns]
    if not cparts:
        cparts = sorted(c for c in t.columns if re.fullmatch(r"level_\d+_consensus", c))
    fig, (ax, ax2) = _figure(ncols=2, width=11.5, height=4.4)
    first = t[t["replicate"] == t["replicate"].min()]
    ax.plot(first["iteration"], _pos(first["heterogeneity"]), color="k", lw=2.2,
            label=r"$\zeta^2$ (heterogeneity)")
    for i, c in enumerate(parts):
        ax.plot(first["iteration"], _pos(first[c]), color=COLORS[i % len(COLORS)], lw=1.4,
                label=c)
    if parts:
        ax.plot(first["iteration"], _pos(first[parts].sum(axis=1)), ls="--", color="C3", lw=1.2,
                label="sum of the parts")
    ax.set_yscale("log")
    _nice_log_y(ax)
    ax.set_xlabel("iteration")
    ax.set_ylabel("divergence at the average model")
    ax.set_title("ζ² and its split (first seed)")
    ax.legend(loc="best", framealpha=0.9, fontsize=8)
    worst = []
    for name, total, cols, color in (("divergences", "heterogeneity", parts, "C0"),
                                     ("consensus", "consensus", cparts, "C1")):
        if not cols or total not in t.columns:
            continue
        denom = t[total].abs().replace(0, np.nan)
        rel = ((t[cols].sum(axis=1) - t[total]).abs() / denom).groupby(t["iteration"]).max()
        top = float(np.nanmax(rel.to_numpy())) if rel.notna().any() else math.nan
        worst.append(top)
        if (rel > 0).any():
            ax2.semilogy(rel.index, np.where(rel > 0, rel, np.nan), color=color, lw=1.2,
                         marker="o", ms=3, label=f"{name} split (largest {top:.2g})")
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("relative residual |Σ parts − total| / total")
    ax2.set_title("relative residual per checkpoint (all seeds)" if worst
                  else "no split columns in trace.csv")
    if ax2.get_legend_handles_labels()[0]:
        ax2.legend(loc="best", framealpha=0.9)
    else:
        ax2.text(0.5, 0.5, "every residual is exactly 0", transform=ax2.transAxes,
                 ha="center", va="center", fontsize=11)
        ax2.set_yticks([])
    fig.suptitle(title or f"{suite.name}: divergence identity ({_where_text(where)})")
    return fig
