"""Static HTML report of a results directory (docs/notebooks.md "Report").

    python3 -m dsgdlab_plots.report RESULTS [--out DIR]

RESULTS is one suite directory (it holds suite.json) or a directory of suite directories.
For each suite the figures that fit its claims (and its data: staleness histograms of
asynchronous runs, spectra of runs with a gossip matrix) are saved as PNG files under
RESULTS/report/<suite>/, and RESULTS/report/index.html shows each suite's verdict table (from
its verdicts.json, written by `dsgdlab check` / `dsgdlab report`) and the figures with captions.
The page is self-contained: no JavaScript, no network resources. Exit codes: 0 written,
2 no suite under RESULTS (or an unreadable suite.json), 3 no Python with numpy, pandas and
matplotlib (the python3 that runs this module lacks them and neither does /usr/bin/python3 have
them; when /usr/bin/python3 has them the module runs itself again under it).
"""

from __future__ import annotations

import argparse
import datetime
import html
import os
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the plotting stack is imported by _plotting(): see main()
    from .results import Suite

# Pythons that may have the Debian packages python3-matplotlib / python3-pandas when the
# python3 first on PATH (pyenv, a virtualenv) does not.
SYSTEM_PYTHONS = ["/usr/bin/python3", "/usr/local/bin/python3"]
_REEXEC_MARK = "DSGDLAB_PLOTS_REEXEC"


def _plotting():
    """(figures module, pyplot, find_suite_dirs, load_suite), imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import figures
    from .results import find_suite_dirs, load_suite

    return figures, plt, find_suite_dirs, load_suite


def _missing_modules() -> list[str]:
    import importlib.util

    return [m for m in ("numpy", "pandas", "matplotlib") if importlib.util.find_spec(m) is None]


@dataclass
class Figure:
    file: str        # relative to the report directory
    title: str
    caption: str
    error: str = ""  # set when the figure could not be drawn


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "figure"


def claim_params(claim: dict) -> dict:
    """The claim's keys other than name/verdict/line (suite.json puts them under "params")."""
    p = dict(claim.get("params") or {})
    for k, v in claim.items():
        if k not in ("name", "verdict", "line", "params"):
            p.setdefault(k, v)
    return p


def _verdict_sentence(suite: "Suite", claim_name: str) -> str:
    v = suite.verdict_of(claim_name)
    if v is None:
        return "No verdict (verdicts.json missing or without this claim)."
    state = "PASS" if v.get("passed") else "FAIL"
    return f"Verdict: {state}. Measured: {v.get('measured', '')}. Expected: {v.get('expected', '')}."


def plan_figures(suite: "Suite") -> list[tuple[str, str, str, callable]]:
    """(slug, title, caption, draw) for every figure that fits the suite."""
    F = _plotting()[0]
    plan = []
    for c in suite.claims:
        kind, name, p = c.get("verdict"), c.get("name", "claim"), claim_params(c)
        p["_claim"] = name
        desc = (p.get("description") + " ") if p.get("description") else ""
        verdict = _verdict_sentence(suite, name)
        where = p.get("where")
        if kind == "rate":
            x, exp = p.get("x", "run.iterations"), float(p.get("expected", -0.5))
            plan.append((f"{name}_rate", f"{name}: fitted rate",
                         f"{desc}Final R(K) against {x} on log–log axes: one dot per seed, the "
                         f"mean with its Student-t 95% interval, the fitted slope (mean of the "
                         f"per-seed log–log slopes with its 95% interval) and the expected slope "
                         f"{exp:g}. {verdict}",
                         lambda s=suite, w=where, x=x, e=exp: F.rate_fit(s, w, x=x, expected=e)))
        elif kind == "bound_holds":
            plan.append((f"{name}_bound", f"{name}: bound vs measured",
                         f"{desc}Measured R(K) (solid, mean over seeds with a 95% band) and the "
                         f"bound curves of bounds.csv (dashed) on log–log axes; the claim's bound "
                         f"is {p.get('bound')}. A bound must lie above the measurement. {verdict}",
                         lambda s=suite, w=where: F.bound_vs_empirical(s, w)))
        elif kind == "linear_speedup":
            x = p.get("x", "run.workers")
            metric, target = p.get("metric", "loss_gap"), float(p.get("target", 1e-2))
            time = p.get("time", "virtual_time_s")
            exp = float(p.get("expected", -1.0))
            plan.append((f"{name}_speedup", f"{name}: speedup",
                         f"{desc}Time until {metric} ≤ {target:g} ({time}) against {x}, "
                         f"log–log; linear speedup is slope {exp:g}. {verdict}",
                         lambda s=suite, w=where, x=x, m=metric, t=target, tm=time, e=exp:
                         F.linear_speedup(s, w, x=x, metric=m, target=t, time=tm, expected=e)))
        elif kind == "heterogeneity_robustness":
            metric, target = p.get("metric", "loss_gap"), float(p.get("target", 1e-2))
            plan.append((f"{name}_heterogeneity", f"{name}: time to target per slowdown",
                         f"{desc}Time until {metric} ≤ {target:g} per algorithm and slowdown "
                         f"(mean over seeds, 95% error bars, log scale). {p.get('robust')} should "
                         f"stay within {p.get('max_robust_ratio', 2)}× of its time without "
                         f"slowdown while the synchronous algorithms slow down. {verdict}",
                         lambda s=suite, p=p, m=metric, t=target: F.heterogeneity_bars(
                             s, robust=p.get("robust"), synchronous=p.get("synchronous"),
                             axis=p.get("axis", "cost.slow_workers"), metric=m, target=t,
                             time=p.get("time", "virtual_time_s"), where=p.get("where"),
                             title=f"{s.name}: {p['_claim']}")))
        elif kind == "sandwich":
            plan.append((f"{name}_sandwich", f"{name}: H-SGD sandwich",
                         f"{desc}Left: measured R(K) of local SGD with the short period, H-SGD "
                         f"and local SGD with the long period (95% bands over seeds), with the "
                         f"bound curves. Right: final measured R(K) and the bound values in the "
                         f"sandwich order. {verdict}",
                         lambda s=suite, p=p: F.sandwich_curves(
                             s, p.get("inner") or {}, p.get("hierarchical") or {},
                             p.get("outer") or {}, p.get("hierarchical_bound"),
                             title=f"{s.name}: {p['_claim']} (H-SGD sandwich)")))
        elif kind == "exactness":
            for i, chk in enumerate(p.get("checks") or []):
                if chk.get("kind") == "divergence_identity":
                    plan.append((f"{name}_divergence_identity_{i}",
                                 f"{name}: divergence identity (check {i + 1})",
                                 f"{desc}The heterogeneity ζ² and its intra-/inter-group (or "
                                 f"per-level) parts, and the relative residual of the split "
                                 f"per checkpoint. {verdict}",
                                 lambda s=suite, c=chk: F.divergence_identity(
                                     s, c.get("where") or {})))
                if chk.get("kind") != "same_trace":
                    continue
                cols = chk.get("columns") or ["loss"]
                plan.append((f"{name}_same_trace_{i}", f"{name}: same trace (check {i + 1})",
                             f"{desc}Trace column {cols[0]} of run a and run b, and the largest "
                             f"|a − b| over {', '.join(cols)} per checkpoint. {verdict}",
                             lambda s=suite, c=chk, cols=cols: F.same_trace(
                                 s, c.get("a") or {}, c.get("b") or {}, cols)))
    summ = suite.summaries()
    if not summ.empty:
        asyn = summ[summ["staleness_max"].notna()]
        vary = [k for k in suite.point_keys if k in asyn.columns and k != "run.iterations"
                and asyn[k].astype(str).nunique() > 1]
        if len(asyn) and (vary or "stale" in suite.name) and asyn["point_key"].nunique() <= 8:
            plan.append(("staleness", "staleness distribution",
                         "Fraction of applied updates with each staleness τ (summed over seeds, "
                         "log scale) per run point; the dotted line is the mean τ, the legend "
                         "gives the mean and the largest staleness T.",
                         lambda s=suite: F.staleness_histograms(s)))
        spec = summ[summ["rho"].notna()]
        shapes = spec[["topology", "workers"]].astype(str).drop_duplicates()
        if len(shapes) > 1:
            plan.append(("spectra", "spectra", "Left: spectral gap 1 − ρ of the gossip matrix "
                         "(D-PSGD: SLEM², AD-PSGD: λ₂ of E[W]) per topology. Right: the final "
                         "consensus distance Ξ against 1 − ρ: a larger gap mixes faster.",
                         lambda s=suite: F.spectra(s)))
            if "topology.kind" in suite.point_keys:
                plan.append(("r_curves", "measured R(K) per topology", "Measured R(K) of every "
                             "run point (mean over seeds, 95% band, thin lines: single seeds), "
                             "log–log: better-mixing topologies reach a given R(K) sooner.",
                             lambda s=suite: F.r_curves(s)))
    if not plan:
        plan.append(("r_curves", "measured R(K)", "Measured R(K) of every run point (mean over "
                     "seeds, 95% band), log–log.", lambda s=suite: F.r_curves(s)))
    return plan


def draw_suite(suite: "Suite", out_dir: Path, rel: str) -> list[Figure]:
    plt = _plotting()[1]
    out_dir.mkdir(parents=True, exist_ok=True)
    figs = []
    used = set()
    for slug, title, caption, draw in plan_figures(suite):
        slug = _slug(slug)
        while slug in used:
            slug += "_"
        used.add(slug)
        fname = f"{slug}.png"
        try:
            fig = draw()
            tmp = out_dir / f".{fname}.tmp.png"
            fig.savefig(tmp, dpi=110)
            plt.close(fig)
            os.replace(tmp, out_dir / fname)
            figs.append(Figure(f"{rel}/{fname}", title, caption))
        except Exception as e:  # a figure that cannot be drawn is reported, not fatal
            plt.close("all")
            print(f"dsgdlab report: {suite.name}: figure {slug} failed: {e}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            figs.append(Figure("", title, caption, error=f"{type(e).__name__}: {e}"))
    keep = {Path(f.file).name for f in figs if f.file}
    for old in out_dir.glob("*.png"):  # figures of an earlier report that no longer apply
        if old.name not in keep:
            old.unlink()
    return figs


CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .35em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.pass { background: #e3f5e1; color: #145214; font-weight: bold; }
td.fail { background: #fbe3e3; color: #8a1111; font-weight: bold; }
td.none { background: #f6f1dc; color: #6b5a00; }
.notice { background: #fff6d6; border: 1px solid #e0c95a; padding: .6em .8em; }
.error { background: #fbe3e3; border: 1px solid #d08080; padding: .6em .8em; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: .92em; color: #444; max-width: 60em; }
code { background: #f3f3f3; padding: 0 .2em; }
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _state_cell(passed) -> str:
    if passed is True:
        return '<td class="pass">PASS</td>'
    if passed is False:
        return '<td class="fail">FAIL</td>'
    return '<td class="none">no verdict</td>'


def _regression_text(r) -> str:
    if not r:
        return ""
    txt = (f"{r.get('metric')}: {r.get('measured')} vs baseline {r.get('baseline')} "
           f"(allowed {r.get('allowed')})")
    return ("REGRESSED: " if r.get("regressed") else "no regression: ") + txt


def verdict_table(suite: "Suite") -> str:
    if suite.verdicts is None:
        names = ", ".join(c.get("name", "?") for c in suite.claims) or "none"
        return (f'<p class="notice"><b>verdicts.json is missing</b> in <code>{_e(suite.path)}'
                f'</code>: the claims ({_e(names)}) have not been evaluated. Run '
                f'<code>dsgdlab check</code> or <code>dsgdlab report</code> on the results.</p>')
    rows = []
    listed = set()
    for v in suite.verdicts.get("claims") or []:
        listed.add(v.get("name"))
        rows.append(
            f"<tr><td>{_e(v.get('name'))}</td><td>{_e(v.get('verdict'))}</td>"
            f"<td>{_e(v.get('claim'))}</td><td>{_e(v.get('measured'))}</td>"
            f"<td>{_e(v.get('expected'))}</td>{_state_cell(v.get('passed'))}"
            f"<td>{_e(_regression_text(v.get('regression')))}</td></tr>")
    for c in suite.claims:
        if c.get("name") not in listed:
            rows.append(f"<tr><td>{_e(c.get('name'))}</td><td>{_e(c.get('verdict'))}</td>"
                        f"<td colspan=3>not in verdicts.json</td>{_state_cell(None)}<td></td></tr>")
    if not rows:
        return "<p>This suite states no claims.</p>"
    return ("<table><tr><th>claim</th><th>verdict</th><th>statement</th><th>measured</th>"
            "<th>expected</th><th>result</th><th>baseline</th></tr>" + "".join(rows)
            + "</table>")


def suite_status(suite: "Suite") -> tuple[str, str]:
    if suite.verdicts is None:
        return "none", "verdicts.json missing"
    claims = suite.verdicts.get("claims") or []
    passed = sum(1 for c in claims if c.get("passed"))
    ok = bool(suite.verdicts.get("passed")) and passed == len(claims)
    return ("pass" if ok else "fail"), f"{passed}/{len(claims)} claims pass"


def render(suites: list["Suite"], figs: dict[str, list[Figure]], results: Path) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
             f"<title>dsgdlab report: {_e(results.name)}</title><style>{CSS}</style></head><body>",
             f"<h1>dsgdlab report</h1><p>Results: <code>{_e(results)}</code> · generated {now}"
             f" · {len(suites)} suite{'s' if len(suites) != 1 else ''}</p>",
             "<table><tr><th>suite</th><th>description</th><th>runs finished</th>"
             "<th>verdicts</th></tr>"]
    for s in suites:
        cls, text = suite_status(s)
        done = int(s.runs["finished"].sum()) if len(s.runs) else 0
        parts.append(f'<tr><td><a href="#{_e(_slug(s.name))}">{_e(s.name)}</a></td>'
                     f"<td>{_e(s.description)}</td><td>{done}/{len(s.runs)}</td>"
                     f'<td class="{cls}">{_e(text)}</td></tr>')
    parts.append("</table>")
    for s in suites:
        done = int(s.runs["finished"].sum()) if len(s.runs) else 0
        size = "quick" if s.quick else "full"
        parts.append(f'<h2 id="{_e(_slug(s.name))}">{_e(s.name)}</h2>'
                     f"<p>{_e(s.description)}</p><p>{size} size · {done} of {len(s.runs)} runs "
                     f"finished · <code>{_e(s.path)}</code></p>")
        if done < len(s.runs):
            parts.append(f'<p class="notice">{len(s.runs) - done} run(s) have not finished '
                         f"(no summary.json); the figures use the finished ones.</p>")
        parts.append("<h3>Verdicts</h3>" + verdict_table(s))
        parts.append("<h3>Figures</h3>")
        for f in figs.get(s.name, []):
            if f.error:
                parts.append(f'<div class="error"><b>{_e(f.title)}</b>: the figure could not be '
                             f"drawn ({_e(f.error)}).</div>")
                continue
            parts.append(f'<figure><img src="{_e(f.file)}" alt="{_e(f.title)}">'
                         f"<figcaption><b>{_e(f.title)}.</b> {_e(f.caption)}</figcaption></figure>")
    parts.append("<hr><p>How to read the figures: docs/notebooks.md. Solid lines and filled "
                 "markers are measurements (shaded: Student-t 95% interval over seeds), dashed "
                 "lines are bounds, dotted lines are fits.</p></body></html>")
    return "\n".join(parts)


def write_report(results: str | Path, out: str | Path | None = None) -> Path:
    _, _, find_suite_dirs, load_suite = _plotting()
    results = Path(results)
    dirs = find_suite_dirs(results)
    if not dirs:
        raise FileNotFoundError(f"{results}: no suite.json here nor in its subdirectories")
    out = Path(out) if out else results / "report"
    out.mkdir(parents=True, exist_ok=True)
    suites = [load_suite(d) for d in dirs]
    figs = {}
    for s in suites:
        rel = _slug(s.name)
        figs[s.name] = draw_suite(s, out / rel, rel)
    text = render(suites, figs, results.resolve())
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".index.", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, out / "index.html")
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m dsgdlab_plots.report",
                                 description="Write RESULTS/report/index.html: verdict tables "
                                             "and figures of dsgdlab suite results.")
    ap.add_argument("results", help="a suite directory or a directory of suite directories")
    ap.add_argument("--out", help="report directory (default RESULTS/report)")
    args = ap.parse_args(argv)
    missing = _missing_modules()
    if missing:
        # This Python lacks the plotting stack: run again under a system Python that has it.
        here = os.path.realpath(sys.executable or "")
        for py in SYSTEM_PYTHONS:
            if os.path.exists(py) and os.path.realpath(py) != here \
                    and not os.environ.get(_REEXEC_MARK):
                env = dict(os.environ, **{_REEXEC_MARK: "1"})
                pkg_parent = str(Path(__file__).resolve().parent.parent)
                env["PYTHONPATH"] = os.pathsep.join(
                    [pkg_parent] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
                argv_ = sys.argv[1:] if argv is None else list(argv)
                os.execve(py, [py, "-m", "dsgdlab_plots.report", *argv_], env)
        print(f"dsgdlab report: Python {sys.executable} lacks {', '.join(missing)}; install "
              f"python3-matplotlib python3-pandas python3-numpy (scripts/setup)", file=sys.stderr)
        return 3
    try:
        index = write_report(args.results, args.out)
    except (FileNotFoundError, ValueError) as e:
        print(f"dsgdlab report: {e}", file=sys.stderr)
        return 2
    print(f"report: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
