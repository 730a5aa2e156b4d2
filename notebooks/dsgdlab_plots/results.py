"""Load dsgdlab suite results (docs/suites.md "Results directory") into pandas DataFrames.

A results directory is either one suite directory (it holds ``suite.json``) or a parent whose
immediate subdirectories are suite directories. For each suite:

* ``Suite.runs``: one row per run of suite.json ``runs`` with columns ``id``, ``label``,
  ``replicate``, ``seed``, ``directory``, ``finished`` (summary.json exists), ``point_key`` (a
  canonical JSON text of the point: equal for the replicates of one point) and one column per
  ``point`` key (``"run.iterations"``, ``"algorithm.name"``...). Non-scalar point values (the
  ``cost.slow_workers`` tables, say) are stored as canonical JSON text so that they can be
  grouped; ``Suite.point_value(row, key)`` gives the parsed value back.
* ``Suite.summaries()``: the finished runs with the summary numbers most figures need
  (``final_r`` = final.running_avg_grad_norm_sq, ``final_loss_gap`` = final.loss − f*,
  ``virtual_time_s``...).
* ``Suite.traces()`` / ``Suite.bounds_tables()``: every finished run's trace.csv / bounds.csv
  stacked, with the run columns added.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

SUITE_FORMAT = "dsgdlab-suite-results/1"
VERDICTS_FORMAT = "dsgdlab-verdicts/1"

RUN_COLUMNS = ["id", "label", "replicate", "seed", "directory", "finished", "point_key"]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _cell(value: Any) -> Any:
    """A point value as a DataFrame cell: scalars as they are, lists/tables as canonical JSON."""
    if isinstance(value, (list, dict)):
        return _canonical(value)
    return value


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def find_suite_dirs(path: str | Path) -> list[Path]:
    """The suite directories under ``path``: ``[path]`` itself when it holds suite.json, else
    its immediate subdirectories that do (sorted by name). Empty when there are none."""
    root = Path(path)
    if (root / "suite.json").is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "suite.json").is_file())


def slowdown_of(slow_workers: Any) -> float:
    """Slowdown of a point: the largest ``factor`` of its ``cost.slow_workers`` list, 1 when the
    list is empty or absent (the heterogeneity claim's rule). Accepts the list or its JSON."""
    if slow_workers is None or (isinstance(slow_workers, float) and math.isnan(slow_workers)):
        return 1.0
    if isinstance(slow_workers, str):
        try:
            slow_workers = json.loads(slow_workers)
        except ValueError:
            return 1.0
    factors = [float(w.get("factor", 1.0)) for w in slow_workers if isinstance(w, dict)]
    return max(factors) if factors else 1.0


def final_loss_gap(summary: dict) -> float:
    """final.loss − constants.optimum_value.value (NaN when either is missing)."""
    try:
        loss = summary["final"]["loss"]
        opt = summary["constants"]["optimum_value"]["value"]
        return float(loss) - float(opt)
    except (KeyError, TypeError, ValueError):
        return math.nan


def _num(x: Any) -> float:
    try:
        return float(x) if x is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


@dataclass
class Suite:
    """One suite directory: its manifest, runs and (optional) verdicts.json."""

    path: Path
    manifest: dict
    runs: pd.DataFrame
    verdicts: dict | None
    _summaries: dict = field(default_factory=dict, repr=False)
    _traces: dict = field(default_factory=dict, repr=False)
    _bounds: dict = field(default_factory=dict, repr=False)

    # ---- manifest -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.manifest.get("suite", {}).get("name") or self.path.name)

    @property
    def description(self) -> str:
        return str(self.manifest.get("suite", {}).get("description") or "")

    @property
    def quick(self) -> bool:
        return bool(self.manifest.get("suite", {}).get("quick", False))

    @property
    def claims(self) -> list[dict]:
        return list(self.manifest.get("claims") or [])

    def claims_of(self, *verdicts: str) -> list[dict]:
        """The claims whose ``verdict`` is one of ``verdicts``."""
        return [c for c in self.claims if c.get("verdict") in verdicts]

    @property
    def point_keys(self) -> list[str]:
        return [c for c in self.runs.columns if c not in RUN_COLUMNS]

    def verdict_of(self, claim_name: str) -> dict | None:
        """The verdicts.json entry of a claim, or None."""
        if not self.verdicts:
            return None
        for v in self.verdicts.get("claims") or []:
            if v.get("name") == claim_name:
                return v
        return None

    # ---- selection ------------------------------------------------------------------------
    def select(self, where: dict | None = None, finished_only: bool = True) -> pd.DataFrame:
        """Runs whose point matches every ``where`` entry (a key absent from the point does
        not match), as in the claims' ``where`` tables."""
        df = self.runs
        if finished_only:
            df = df[df["finished"]]
        for key, value in (where or {}).items():
            if key not in df.columns:
                return df.iloc[0:0]
            df = df[df[key].map(lambda cell, v=_cell(value): _equal(cell, v))]
        return df

    # ---- per-run files --------------------------------------------------------------------
    def run_dir(self, run_id: str) -> Path:
        row = self.runs.loc[self.runs["id"] == run_id]
        rel = row["directory"].iloc[0] if len(row) else f"runs/{run_id}"
        return self.path / rel

    def summary(self, run_id: str) -> dict | None:
        if run_id not in self._summaries:
            p = self.run_dir(run_id) / "summary.json"
            self._summaries[run_id] = _read_json(p) if p.is_file() else None
        return self._summaries[run_id]

    def trace(self, run_id: str) -> pd.DataFrame | None:
        if run_id not in self._traces:
            p = self.run_dir(run_id) / "trace.csv"
            self._traces[run_id] = pd.read_csv(p) if p.is_file() else None
        return self._traces[run_id]

    def bounds(self, run_id: str) -> pd.DataFrame | None:
        if run_id not in self._bounds:
            p = self.run_dir(run_id) / "bounds.csv"
            self._bounds[run_id] = pd.read_csv(p) if p.is_file() else None
        return self._bounds[run_id]

    # ---- stacked tables -------------------------------------------------------------------
    def summaries(self, where: dict | None = None) -> pd.DataFrame:
        """One row per finished run (matching ``where``): the run columns plus ``status``,
        ``algorithm``, ``workers``, ``iterations``, ``virtual_time_s``, ``final_r``,
        ``final_loss``, ``final_loss_gap``, ``final_grad_norm_sq``, ``final_consensus``,
        ``staleness_max``, ``staleness_mean``, ``rho`` (first spectral entry), ``slowdown``."""
        rows = []
        for _, run in self.select(where).iterrows():
            s = self.summary(run["id"]) or {}
            final = s.get("final") or {}
            stal = s.get("staleness") or {}
            spectral = s.get("spectral") or []
            rec = run.to_dict()
            rec.update(
                status=s.get("status"),
                algorithm=(s.get("algorithm") or {}).get("name"),
                workers=s.get("workers"),
                iterations=_num(s.get("iterations")),
                virtual_time_s=_num(s.get("virtual_time_s")),
                final_r=_num(final.get("running_avg_grad_norm_sq")),
                final_loss=_num(final.get("loss")),
                final_loss_gap=final_loss_gap(s),
                final_grad_norm_sq=_num(final.get("grad_norm_sq")),
                final_consensus=_num(final.get("consensus")),
                staleness_max=_num(stal.get("max")),
                staleness_mean=_num(stal.get("mean")),
                rho=_num(spectral[0].get("rho")) if spectral else math.nan,
                spectral_gap=_num(spectral[0].get("spectral_gap")) if spectral else math.nan,
                topology=((s.get("topology") or {}).get("kind")),
                slowdown=slowdown_of(run.get("cost.slow_workers")),
            )
            rows.append(rec)
        return pd.DataFrame(rows)

    def _stack(self, reader, where: dict | None) -> pd.DataFrame:
        parts = []
        for _, run in self.select(where).iterrows():
            t = reader(run["id"])
            if t is None or t.empty:
                continue
            t = t.copy()
            for col in ["id", "label", "replicate", "seed", "point_key"]:
                t[col] = run[col]
            parts.append(t)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def traces(self, where: dict | None = None) -> pd.DataFrame:
        """Every matching finished run's trace.csv stacked, with id, label, replicate, seed,
        point_key columns."""
        return self._stack(self.trace, where)

    def bounds_tables(self, where: dict | None = None) -> pd.DataFrame:
        """Every matching finished run's bounds.csv stacked (as ``traces``)."""
        return self._stack(self.bounds, where)

    def point_value(self, row: pd.Series | dict, key: str) -> Any:
        """A point value with JSON text of lists/tables parsed back."""
        v = row.get(key) if hasattr(row, "get") else None
        if isinstance(v, str) and v[:1] in "[{":
            try:
                return json.loads(v)
            except ValueError:
                return v
        return v


def _equal(cell: Any, value: Any) -> bool:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return False
    if isinstance(cell, bool) or isinstance(value, bool):
        return cell is value or cell == value
    if isinstance(cell, (int, float)) and isinstance(value, (int, float)):
        return float(cell) == float(value)
    return cell == value


def load_suite(path: str | Path) -> Suite:
    """Load one suite directory (it must hold suite.json)."""
    path = Path(path)
    manifest = _read_json(path / "suite.json")
    fmt = manifest.get("format")
    if fmt != SUITE_FORMAT:
        raise ValueError(f"{path / 'suite.json'}: format {fmt!r}, expected {SUITE_FORMAT!r}")
    rows = []
    for r in manifest.get("runs") or []:
        point = r.get("point") or {}
        directory = r.get("directory") or f"runs/{r.get('id')}"
        rec = {
            "id": r.get("id"),
            "label": r.get("label") or "",
            "replicate": int(r.get("replicate", 0)),
            "seed": r.get("seed"),
            "directory": directory,
            "finished": (path / directory / "summary.json").is_file(),
            "point_key": _canonical(point),
        }
        for k, v in point.items():
            rec[k] = _cell(v)
        rows.append(rec)
    runs = pd.DataFrame(rows, columns=None if rows else RUN_COLUMNS)
    verdicts = None
    vp = path / "verdicts.json"
    if vp.is_file():
        try:
            verdicts = _read_json(vp)
        except ValueError:
            verdicts = None
    return Suite(path=path, manifest=manifest, runs=runs, verdicts=verdicts)


def load_results(path: str | Path) -> list[Suite]:
    """Every suite under a results directory (see ``find_suite_dirs``)."""
    return [load_suite(p) for p in find_suite_dirs(path)]


def suite_by_name(suites: Iterable[Suite], name: str) -> Suite | None:
    for s in suites:
        if s.name == name or s.path.name == name:
            return s
    return None
