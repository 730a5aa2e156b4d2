"""Tests of notebooks/dsgdlab_plots on small synthetic results directories (no dsgdlab binary
needed): loading, statistics, every figure function, and the HTML report, including missing
verdicts.json, unfinished runs, diverged traces and targets that are never reached.

Run: PYTHONPATH=notebooks python3 -m unittest discover -s notebooks/tests -v
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from dsgdlab_plots import figures as F  # noqa: E402
from dsgdlab_plots import stats  # noqa: E402
from dsgdlab_plots.report import write_report  # noqa: E402
from dsgdlab_plots.results import find_suite_dirs, load_results, load_suite, slowdown_of  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parent.parent


def write_run(d: Path, *, K: int, scale: float, algorithm: str, asynchronous: bool = False,
              n: int = 8, rho: float | None = None, diverge: bool = False, every: int = 10,
              bounds=("adpsgd_theorem",), time_per_it: float = 1.0, sandwich=False):
    d.mkdir(parents=True, exist_ok=True)
    its = np.arange(0, K + 1, every)
    r = scale * (1.0 + its) ** -0.5
    loss = 1.0 + scale * np.exp(-its / (K / 4))
    if diverge:
        loss[len(loss) // 2:] = np.inf
    rows = ["iteration,gradient_evaluations,virtual_time_s,step_size,loss,grad_norm_sq,"
            "running_avg_grad_norm_sq,consensus,heterogeneity"]
    for k, rk, lk in zip(its, r, loss):
        rows.append(f"{k},{k * n},{k * time_per_it},0.05,{lk},{rk / 2},{rk},{rk / 10},1.0")
    (d / "trace.csv").write_text("\n".join(rows) + "\n")
    names = list(bounds)
    if sandwich:
        names = ["hsgd_two_level", "sandwich_local_sgd_2", "sandwich_local_sgd_8"]
    b = ["iteration,running_avg_grad_norm_sq" + "".join("," + x for x in names)]
    for k, rk in zip(its[1:], r[1:]):
        b.append(f"{k},{rk}" + "".join(f",{rk * (3 + i)}" for i in range(len(names))))
    (d / "bounds.csv").write_text("\n".join(b) + "\n")
    summary = {
        "status": "diverged" if diverge else "ok", "workers": n,
        "algorithm": {"name": algorithm, "asynchronous": asynchronous},
        "iterations": K, "virtual_time_s": K * time_per_it,
        "final": {"iteration": K, "loss": None if diverge else float(loss[-1]),
                  "grad_norm_sq": float(r[-1] / 2), "running_avg_grad_norm_sq": float(r[-1]),
                  "consensus": float(r[-1] / 10)},
        "constants": {"optimum_value": {"value": 1.0, "origin": "exact"}},
        "topology": {"kind": "ring"} if rho is not None else None,
        "spectral": [{"rho": rho, "spectral_gap": 1 - rho}] if rho is not None else None,
        "staleness": ({"max": n + 2, "mean": n - 1.0, "histogram": [
            {"staleness": t, "count": c} for t, c in [(0, 3), (n - 1, 100), (n + 2, 2)]]}
            if asynchronous else None),
        "bounds": {"list": [{"name": x, "role": "bound", "value": float(r[-1] * (3 + i)),
                             "conditions_hold": i != 1} for i, x in enumerate(names)]},
    }
    (d / "summary.json").write_text(json.dumps(summary))


def write_suite(root: Path, name: str, points, claims, seeds=2, make=None, verdicts=None,
                unfinished=()):
    d = root / name
    runs = []
    for pi, (label, point) in enumerate(points):
        for s in range(seeds):
            rid = f"{pi:08x}{s:08x}"
            runs.append({"id": rid, "label": label, "point": point, "replicate": s,
                         "seed": 100 + s, "directory": f"runs/{rid}"})
            if (pi, s) not in unfinished:
                make(d / "runs" / rid, point, s)
    (d).mkdir(parents=True, exist_ok=True)
    (d / "suite.json").write_text(json.dumps({
        "format": "dsgdlab-suite-results/1",
        "suite": {"name": name, "description": f"synthetic {name}", "quick": True, "seed": 1,
                  "seeds": seeds, "engine": None},
        "claims": claims, "runs": runs}))
    if verdicts is not None:
        (d / "verdicts.json").write_text(json.dumps(verdicts))
    return d


def build_results(root: Path) -> Path:
    write_suite(
        root, "adpsgd_rate", [("", {"run.iterations": k}) for k in (100, 200, 400, 800)],
        [{"name": "rate", "verdict": "rate", "line": 1, "params": {"x": "run.iterations"}},
         {"name": "bound", "verdict": "bound_holds", "line": 2,
          "params": {"where": {"run.iterations": 800}, "bound": "adpsgd_theorem"}}],
        make=lambda d, p, s: write_run(d, K=p["run.iterations"], scale=1 + 0.1 * s,
                                       algorithm="adpsgd"),
        verdicts={"format": "dsgdlab-verdicts/1", "suite": "adpsgd_rate", "passed": False,
                  "claims": [{"name": "rate", "verdict": "rate", "passed": False,
                              "claim": "slope -0.5", "measured": "slope <-0.3>",
                              "expected": "-0.5 ± 0.1", "numbers": {}, "regression": {
                                  "metric": "slope", "baseline": -0.5, "measured": -0.3,
                                  "allowed": 0.05, "regressed": True}}]},
        unfinished={(1, 1)})
    write_suite(
        root, "adpsgd_speedup", [("", {"run.workers": n}) for n in (2, 4, 8)],
        [{"name": "speedup", "verdict": "linear_speedup", "line": 1,
          "params": {"x": "run.workers", "metric": "loss_gap", "target": 0.05}}],
        make=lambda d, p, s: write_run(d, K=400, scale=1.0, algorithm="adpsgd",
                                       asynchronous=True, n=p["run.workers"],
                                       time_per_it=1.0 / p["run.workers"],
                                       diverge=(p["run.workers"] == 8 and s == 1)))
    slow = [[], [{"worker": 0, "factor": 10.0}]]
    write_suite(
        root, "heterogeneity",
        [("", {"algorithm.name": a, "cost.slow_workers": sw})
         for sw in slow for a in ("adpsgd", "dpsgd")],
        [{"name": "slow", "verdict": "heterogeneity_robustness", "line": 1,
          "params": {"robust": "adpsgd", "synchronous": ["dpsgd"], "metric": "loss_gap",
                     "target": 0.05}}],
        make=lambda d, p, s: write_run(
            d, K=400, scale=1.0, algorithm=p["algorithm.name"],
            asynchronous=p["algorithm.name"] == "adpsgd",
            time_per_it=slowdown_of(p["cost.slow_workers"]) if p["algorithm.name"] == "dpsgd"
            else 1.0, diverge=p["algorithm.name"] == "dpsgd" and bool(p["cost.slow_workers"])))
    write_suite(
        root, "hsgd_sandwich",
        [("local P=2", {"algorithm.name": "local_sgd", "algorithm.period": 2}),
         ("H-SGD", {"algorithm.name": "hsgd"}),
         ("local P=8", {"algorithm.name": "local_sgd", "algorithm.period": 8})],
        [{"name": "sandwich", "verdict": "sandwich", "line": 1, "params": {
            "inner": {"algorithm.name": "local_sgd", "algorithm.period": 2},
            "hierarchical": {"algorithm.name": "hsgd"},
            "outer": {"algorithm.name": "local_sgd", "algorithm.period": 8}}}],
        seeds=3,
        make=lambda d, p, s: write_run(d, K=200, scale=1 + 0.1 * p.get("algorithm.period", 4),
                                       algorithm=p["algorithm.name"], bounds=(),
                                       sandwich=p["algorithm.name"] == "hsgd"))
    write_suite(
        root, "topology",
        [("", {"topology.kind": k, "run.workers": n}) for k in ("ring", "complete")
         for n in (8, 16)], [],
        make=lambda d, p, s: write_run(
            d, K=100, scale=1.0, algorithm="dpsgd", n=p["run.workers"],
            rho=1.0 - (1.0 if p["topology.kind"] == "complete" else 4.0 / p["run.workers"] ** 2)))
    write_suite(
        root, "exactness", [("", {"probe.every_iterations": 5}), ("", {"probe.every_iterations": 10})],
        [{"name": "same", "verdict": "exactness", "line": 1, "params": {"checks": [
            {"kind": "same_trace", "a": {"probe.every_iterations": 5},
             "b": {"probe.every_iterations": 10}, "columns": ["loss"]},
            {"kind": "divergence_identity", "where": {"probe.every_iterations": 5}}]}}],
        seeds=1, make=lambda d, p, s: write_run(d, K=100, scale=1.0, algorithm="local_sgd",
                                                 every=p["probe.every_iterations"]))
    return root


class StatsTest(unittest.TestCase):
    def test_t_quantiles(self):
        self.assertAlmostEqual(stats.t975(1), 12.706)
        self.assertAlmostEqual(stats.t975(30), 2.042)
        self.assertAlmostEqual(stats.t975(60), 2.000, places=3)
        self.assertAlmostEqual(stats.t975(10**6), 1.960, places=3)
        self.assertTrue(math.isnan(stats.t975(0)))

    def test_mean_ci(self):
        m, hw, n = stats.mean_ci95([1.0, 2.0, 3.0, float("nan")])
        self.assertEqual((m, n), (2.0, 3))
        self.assertAlmostEqual(hw, 4.303 * 1.0 / math.sqrt(3))

    def test_loglog_fit_recovers_the_slope(self):
        k = np.array([100, 200, 400, 800.0])
        fit = stats.loglog_fit([(k, 3 * k ** -0.5), (k, 5 * k ** -0.5)])
        self.assertAlmostEqual(fit["slope"], -0.5)
        self.assertAlmostEqual(fit["half_width"], 0.0)
        self.assertEqual(fit["seeds"], 2)

    def test_time_to_target(self):
        t = [0, 1, 2, 3]
        v = [1.0, 0.1, 0.01, 0.001]
        self.assertAlmostEqual(stats.time_to_target(t, v, 0.1), 1.0)
        self.assertAlmostEqual(stats.time_to_target(t, v, math.sqrt(0.1 * 0.01)), 1.5)
        self.assertTrue(math.isnan(stats.time_to_target(t, v, 1e-6)))
        self.assertTrue(math.isnan(stats.time_to_target(t, [1, float("inf"), 2, 3], 0.5)))


class ResultsAndFiguresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = build_results(Path(cls.tmp.name) / "results")
        cls.suites = {s.name: s for s in load_results(cls.root)}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tearDown(self):
        plt.close("all")

    def test_loading(self):
        self.assertEqual(len(find_suite_dirs(self.root)), 6)
        self.assertEqual(find_suite_dirs(self.root / "topology"), [self.root / "topology"])
        rate = self.suites["adpsgd_rate"]
        self.assertEqual(len(rate.runs), 8)
        self.assertEqual(int(rate.runs["finished"].sum()), 7)
        self.assertEqual(len(rate.select({"run.iterations": 800})), 2)
        self.assertEqual(len(rate.select({"run.workers": 8})), 0)  # absent key: no match
        self.assertEqual(len(rate.summaries()), 7)
        self.assertIsNotNone(rate.verdicts)
        self.assertIsNone(self.suites["topology"].verdicts)
        het = self.suites["heterogeneity"]
        sel = het.select({"cost.slow_workers": [{"worker": 0, "factor": 10.0}]})
        self.assertEqual(len(sel), 4)
        self.assertEqual(sorted(het.summaries()["slowdown"].unique()), [1.0, 10.0])

    def test_suite_json_format_is_checked(self):
        bad = Path(self.tmp.name) / "bad"
        bad.mkdir()
        (bad / "suite.json").write_text(json.dumps({"format": "other/1"}))
        with self.assertRaises(ValueError):
            load_suite(bad)

    def test_every_figure_draws(self):
        s = self.suites
        figs = [
            F.rate_fit(s["adpsgd_rate"]),
            F.bound_vs_empirical(s["adpsgd_rate"], {"run.iterations": 800}),
            F.linear_speedup(s["adpsgd_speedup"], metric="loss_gap", target=0.05),
            F.heterogeneity_bars(s["heterogeneity"], robust="adpsgd", synchronous=["dpsgd"],
                                 metric="loss_gap", target=0.05),
            F.sandwich_curves(s["hsgd_sandwich"],
                              {"algorithm.name": "local_sgd", "algorithm.period": 2},
                              {"algorithm.name": "hsgd"},
                              {"algorithm.name": "local_sgd", "algorithm.period": 8}),
            F.staleness_histograms(s["adpsgd_speedup"]),
            F.spectra(s["topology"]),
            F.same_trace(s["exactness"], {"probe.every_iterations": 5},
                         {"probe.every_iterations": 10}, ["loss"]),
            F.r_curves(s["topology"]),
            F.divergence_identity(s["exactness"], {"probe.every_iterations": 5}),
            F.bound_vs_empirical(s["adpsgd_rate"], {"run.iterations": 12345}),  # no data
        ]
        for fig in figs:
            self.assertIsInstance(fig, matplotlib.figure.Figure)
            fig.canvas.draw()

    def test_rate_fit_legend_reports_the_slope(self):
        fig = F.rate_fit(self.suites["adpsgd_rate"], expected=-0.5)
        texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        fit = [t for t in texts if t.startswith("fit: slope")]
        self.assertEqual(len(fit), 1, texts)
        slope = float(fit[0].split()[2])  # R = c (1 + K)^-1/2: slope ≈ −0.5
        self.assertAlmostEqual(slope, -0.5, delta=0.01)
        self.assertIn("expected -0.5", fit[0])

    def test_report(self):
        index = write_report(self.root)
        html = index.read_text()
        self.assertIn("verdicts.json is missing", html)
        self.assertIn('class="fail">FAIL', html)
        self.assertIn("REGRESSED", html)
        self.assertIn("slope &lt;-0.3&gt;", html)  # escaped
        self.assertNotIn("<script", html)
        self.assertNotIn("http", html.replace("http-equiv", ""))
        for img in __import__("re").findall(r'<img src="([^"]+)"', html):
            self.assertTrue((index.parent / img).is_file(), img)
        for name in ("adpsgd_rate/rate_rate.png", "adpsgd_rate/bound_bound.png",
                     "adpsgd_speedup/speedup_speedup.png", "heterogeneity/slow_heterogeneity.png",
                     "hsgd_sandwich/sandwich_sandwich.png", "topology/spectra.png",
                     "exactness/same_same_trace_0.png"):
            self.assertTrue((index.parent / name).is_file(), name)

    def test_report_command_line(self):
        env = dict(os.environ, PYTHONPATH=str(NOTEBOOKS))
        out = Path(self.tmp.name) / "cli-report"
        r = subprocess.run([sys.executable, "-m", "dsgdlab_plots.report", str(self.root),
                            "--out", str(out)], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue((out / "index.html").is_file())
        r = subprocess.run([sys.executable, "-m", "dsgdlab_plots.report",
                            str(Path(self.tmp.name) / "nothing")], env=env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no suite.json", r.stderr)


if __name__ == "__main__":
    unittest.main()
