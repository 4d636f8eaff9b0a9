"""``sim calibrate``: the uncertain parameters' joint distribution given the calibration window's observations.

Method: tempered adaptive importance sampling (population Monte Carlo; Cappé et al. 2004, with the tempering
of ABC-SMC, Del Moral, Doucet and Jasra 2012), done in whole ensembles because the engine draws parameters per
replicate from the scenario's distributions:

- generation g runs the scenario with N replicates whose uncertain parameters are drawn from the proposal q_g
  (generation 0: the prior; later: an independent truncated normal per parameter with the previous
  generation's weighted mean and ``SPREAD`` x its weighted sd, on the prior's support), with fresh random
  streams (seed derived from the scenario seed and g);
- each replicate i gets the weight ``w_i ∝ prior(θ_i) / q_g(θ_i) × exp(β_g · ll_i)``, where ll_i is the
  Gaussian log-likelihood of the observed values (each with its ``sd``) and −∞ if it contradicts an observed
  event; the exponent β_g ∈ (0, 1] (kernel widths sd/√β) is the largest that keeps the effective sample size
  at ``TARGET_ESS`` × N, never decreasing;
- the loop stops at β = 1 (the exact likelihood) or after ``generations``.

The prior/proposal ratio makes every generation a consistent importance sample of its tempered posterior
whatever the proposal, so the proposal only affects efficiency. Its per-parameter independence stands in for
the Liu–West kernel (a shrunk mixture around each particle): the engine cannot be given a joint value per
replicate, only a distribution per parameter (docs/observations.md, "Calibration").

Deterministic for a seed, and byte-identical across worker counts because ``sim.run`` is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim.errors import ScenarioError

DEFAULT_WINDOW_END = dt.date(2026, 2, 15)
TARGET_ESS = 0.3
SPREAD = 1.2
# A parameter whose weighted sd is still over this share of its prior sd keeps the prior as its proposal: the
# observations have not narrowed it, and a moment-matched normal would only add importance-weight noise.
NARROWED = 0.8
CALIBRATABLE = ("uniform", "normal", "triangular", "beta")


@dataclass(frozen=True)
class Prior:
    """One uncertain parameter: its column in the outcome table, its scenario path and its distribution."""

    column: str  # params.oil.deficit_share or initial.buffer_ru
    dist: Any

    @property
    def path(self) -> str:
        return self.column

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        d = self.dist
        name = d.dist
        if name == "uniform":
            return np.where((x >= d.low) & (x <= d.high), -math.log(d.high - d.low), -np.inf)
        if name == "normal":
            a, b = (d.low - d.mean_) / d.sd, (d.high - d.mean_) / d.sd
            return np.asarray(stats.truncnorm.logpdf(x, a, b, loc=d.mean_, scale=d.sd))
        if name == "triangular":
            c = (d.mode - d.low) / (d.high - d.low)
            return np.asarray(stats.triang.logpdf(x, c, loc=d.low, scale=d.high - d.low))
        if name == "beta":
            return np.asarray(stats.beta.logpdf(x, d.a, d.b, loc=d.low, scale=d.high - d.low))
        raise ValueError(name)

    def support(self) -> tuple[float, float]:
        lo, hi = self.dist.support()
        return float(lo), float(hi)


def priors_of(scenario: Any) -> list[Prior]:
    """The scenario's uncertain parameters (a distribution other than ``choice``), in a stable order."""
    out = []
    for group_name, group in scenario.params:
        for name, value in group:
            if getattr(value, "dist", None) in CALIBRATABLE:
                out.append(Prior(f"params.{group_name}.{name}", value))
    for name, value in scenario.initial:
        if getattr(value, "dist", None) in CALIBRATABLE:
            out.append(Prior(f"initial.{name}", value))
    return out


def refuse_holdout(obs: Any, window_end: dt.date) -> None:
    """Calibration never reads a row dated after the window's end (issue 13: the holdout is for scoring only)."""
    rows = sorted([*obs.values, *obs.events], key=lambda r: r.line)
    for r in rows:
        if r.date > window_end:
            raise ScenarioError(
                f"date {r.date} is after the calibration window's end ({window_end}): a holdout row; "
                "calibration never reads holdout observations (drop the row or pass --window-end)",
                source=obs.path,
                field=f"line {r.line}",
            )


def log_likelihood(obs: Any, outcomes: Any, trajectories: dict[str, np.ndarray]) -> np.ndarray:
    """Per replicate: Σ −½((x − y)/sd)² over the values, −∞ where an event is contradicted."""
    from sim.observe.observations import EVENTS

    n = len(outcomes)
    ll = np.zeros(n)
    for v in obs.values:
        if v.variable not in trajectories:
            raise ScenarioError(
                f"variable {v.variable!r}: the calibration run keeps no trajectory of it",
                source=obs.path,
                field=f"line {v.line}",
            )
        if v.sd is None:
            raise ScenarioError(
                "sd: calibration needs a measurement error on every value", source=obs.path, field=f"line {v.line}"
            )
        x = trajectories[v.variable][v.week]
        ll += -0.5 * ((x - v.value) / v.sd) ** 2
    outcome = outcomes["outcome"].to_numpy()
    week = outcomes["week"].to_numpy()
    for e in obs.events:
        kind = EVENTS[e.event]
        if kind.kind == "outcome":
            ended = (outcome != "ongoing") & (week <= e.week)
            held = ended if kind.outcome is None else ended & (outcome == kind.outcome)
        else:
            assert kind.variable is not None
            if kind.variable not in trajectories:
                raise ScenarioError(
                    f"event {e.event!r}: the calibration run keeps no trajectory of {kind.variable}",
                    source=obs.path,
                    field=f"line {e.line}",
                )
            held = trajectories[kind.variable][e.week] > 0
        ll[held != e.happened] = -np.inf
    return ll


def ess(w: np.ndarray) -> float:
    s = w.sum()
    return 0.0 if s <= 0 else float(s * s / (w * w).sum())


def _normalised(logw: np.ndarray) -> np.ndarray:
    m = np.max(logw)
    if not np.isfinite(m):
        return np.zeros_like(logw)
    w = np.exp(logw - m)
    return w / w.sum()


def choose_beta(log_ratio: np.ndarray, ll: np.ndarray, beta_prev: float, target: float) -> float:
    """The largest β in [beta_prev, 1] with ESS(prior/proposal × exp(β·ll)) ≥ target (bisection), else beta_prev."""
    fits = np.isfinite(ll)
    base = np.where(fits, log_ratio, -np.inf)
    llz = np.where(fits, ll, 0.0)

    def ok(beta: float) -> bool:
        return ess(_normalised(base + beta * llz)) >= target

    if ok(1.0):
        return 1.0
    lo, hi = beta_prev, 1.0
    if not ok(lo):
        return lo
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def weighted_moments(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    mean = float(np.dot(w, x))
    return mean, float(math.sqrt(max(np.dot(w, (x - mean) ** 2), 0.0)))


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    from sim.observe.weighted import weighted_quantile

    return [float(v) for v in weighted_quantile(x, list(qs), w)]


def proposal_override(p: Prior, mean: float, sd: float) -> tuple[str, Any]:
    lo, hi = p.support()
    sd = max(sd, 1e-6 * (hi - lo))
    return p.path, {"dist": "normal", "mean": mean, "sd": sd, "low": lo, "high": hi}


def _fmt(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _stream_seed(seed: int, generation: int) -> int:
    digest = hashlib.sha256(f"calibrate:{seed}:{generation}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def calibrate(
    scenario_path: str | Path,
    obs_path: str | Path,
    *,
    replicates: int = 4000,
    generations: int = 6,
    seed: int | None = None,
    window_end: dt.date = DEFAULT_WINDOW_END,
    workers: int = 1,
    overrides: list[str] | None = None,
) -> dict[str, Any]:
    """Run the generations; returns the final particles, weights and diagnostics (nothing is written)."""
    import sim
    from sim.observe import read_observations
    from sim.scenario import load_scenario

    base = load_scenario(scenario_path, list(overrides or []))
    obs = read_observations(obs_path, base.start_date, base.horizon_weeks)
    refuse_holdout(obs, window_end)
    for v in obs.values:
        if v.sd is None:
            raise ScenarioError(
                "sd: calibration needs a measurement error on every value", source=obs.path, field=f"line {v.line}"
            )
    last_week = max([r.week for r in (*obs.values, *obs.events)])
    needed = sorted({v.variable for v in obs.values} | _event_variables(obs))
    priors = priors_of(base)
    if not priors:
        raise ScenarioError(
            "no uncertain parameter to calibrate (every parameter is a number)", source=str(scenario_path)
        )
    seed = base.seed if seed is None else seed
    horizon = _min_horizon(base, last_week + 1)
    proposal: dict[str, Any] = {}
    beta = 0.0
    history: list[dict[str, Any]] = []
    prior_sample: dict[str, np.ndarray] | None = None
    prior_pits: list[dict[str, Any]] | None = None
    prior_sd: dict[str, float] = {}
    for g in range(generations):
        sets = [
            f"replicates={replicates}",
            f"horizon_weeks={horizon}",
            f"seed={_stream_seed(seed, g)}",
            "trajectories=[" + ",".join(needed) + "]",
        ]
        sets += [f"{path}={_fmt(value)}" for path, value in proposal.items()]
        sc = load_scenario(scenario_path, [*(overrides or []), *sets])
        result = sim.run(sc, workers=workers)
        traj = _stack(result.trajectories)
        theta = {p.column: result.outcomes[p.column].to_numpy(dtype=float) for p in priors}
        ll = log_likelihood(obs, result.outcomes, traj)
        log_ratio = np.zeros(replicates)
        for p in priors:
            log_ratio += p.logpdf(theta[p.column])
            if p.column in proposal:
                q = proposal[p.column]
                a, b = (q["low"] - q["mean"]) / q["sd"], (q["high"] - q["mean"]) / q["sd"]
                log_ratio -= stats.truncnorm.logpdf(theta[p.column], a, b, loc=q["mean"], scale=q["sd"])
            else:
                log_ratio -= p.logpdf(theta[p.column])
        consistent = np.isfinite(ll)
        beta_g = choose_beta(log_ratio, ll, beta, TARGET_ESS * consistent.sum())
        logw = np.where(consistent, log_ratio + beta_g * np.where(consistent, ll, 0.0), -np.inf)
        w = _normalised(logw)
        if g == 0:
            prior_sample = theta
            equal = np.full(replicates, 1.0 / replicates)
            prior_sd = {p.column: weighted_moments(theta[p.column], equal)[1] for p in priors}
            prior_pits = _pits(obs, traj, np.full(replicates, 1.0 / replicates))
        history.append(
            {
                "generation": g,
                "seed": _stream_seed(seed, g),
                "beta": beta_g,
                "kernel_scale": (1 / math.sqrt(beta_g)) if beta_g > 0 else None,
                "ess": ess(w),
                "acceptance": float(consistent.mean()),
                "proposal": {k: {kk: v[kk] for kk in ("mean", "sd")} for k, v in proposal.items()},
            }
        )
        beta = beta_g
        if beta >= 1.0 or w.sum() == 0:
            break
        proposal = {}
        for p in priors:
            mean, sd = weighted_moments(theta[p.column], w)
            if sd < NARROWED * prior_sd[p.column]:
                key, value = proposal_override(p, mean, SPREAD * sd)
                proposal[key] = value
    assert prior_sample is not None and prior_pits is not None
    return {
        "scenario": str(scenario_path),
        "observations": obs.path,
        "observations_sha256": obs.sha256,
        "window_end": window_end.isoformat(),
        "replicates": replicates,
        "seed": seed,
        "priors": priors,
        "theta": theta,
        "weights": w,
        "beta": beta,
        "generations": history,
        "prior_sample": prior_sample,
        "pit_prior": prior_pits,
        "pit_posterior": _pits(obs, traj, w),
        "run": sc,  # the final generation's scenario: re-simulated by a restart (sim run --from --at)
    }


def _min_horizon(scenario: Any, weeks: int) -> int:
    """The run only needs the window's weeks, but no shorter than the scenario's scheduled events and policies
    (the schema refuses a week past the horizon)."""
    need = [weeks, *(ev.week for ev in scenario.events.values())]
    for agent in type(scenario.agents).model_fields:
        for pol in getattr(scenario.agents, agent).policies.values():
            need += list(getattr(pol, "at", {}) or {})
            need.append(getattr(pol, "from_week", 0) or 0)
            need.append(getattr(pol, "until_week", 0) or 0)
    return min(max(need), scenario.horizon_weeks)


def _event_variables(obs: Any) -> set[str]:
    from sim.observe.observations import EVENTS

    return {v for e in obs.events if (v := EVENTS[e.event].variable) is not None}


def _stack(trajectories: dict[int, dict[str, Any]]) -> dict[str, np.ndarray]:
    """The chunks' trajectories side by side: variable -> array (weeks + 1, replicates) in replicate order."""
    chunks = [trajectories[k] for k in sorted(trajectories)]
    return {v: np.concatenate([np.asarray(c[v], dtype=float) for c in chunks], axis=1) for v in chunks[0]}


def _pits(obs: Any, traj: dict[str, np.ndarray], w: np.ndarray) -> list[dict[str, Any]]:
    out = []
    for v in obs.values:
        x = traj[v.variable][v.week]
        pit = float(np.dot(w, x < v.value) + 0.5 * np.dot(w, x == v.value))
        out.append({"date": v.date.isoformat(), "variable": v.variable, "value": v.value, "pit": pit})
    return out


def summarise(fit: dict[str, Any]) -> dict[str, Any]:
    """Prior against posterior of every parameter (mean, sd, 5/50/95%), ESS per generation, PITs."""
    w = fit["weights"]
    n = len(w)
    params = {}
    for p in fit["priors"]:
        prior_x = fit["prior_sample"][p.column]
        post_x = fit["theta"][p.column]
        eq = np.full(len(prior_x), 1.0 / len(prior_x))
        pm, ps = weighted_moments(prior_x, eq)
        qm, qs = weighted_moments(post_x, w)
        params[p.column] = {
            "prior": {"mean": pm, "sd": ps, "q": weighted_quantiles(prior_x, eq, (0.05, 0.5, 0.95))},
            "posterior": {"mean": qm, "sd": qs, "q": weighted_quantiles(post_x, w, (0.05, 0.5, 0.95))},
            "sd_ratio": qs / ps if ps > 0 else None,
        }
    return {
        "kind": "calibration",
        "method": "tempered adaptive importance sampling (population Monte Carlo), docs/observations.md",
        "scenario": fit["scenario"],
        "observations": fit["observations"],
        "observations_sha256": fit["observations_sha256"],
        "window_end": fit["window_end"],
        "replicates": n,
        "seed": fit["seed"],
        "final_beta": fit["beta"],
        "final_ess": ess(w),
        "generations": fit["generations"],
        "parameters": params,
        "pit_prior": fit["pit_prior"],
        "pit_posterior": fit["pit_posterior"],
    }


def posterior_scenario(fit: dict[str, Any], scenario_rel: str, name: str, draws: int = 200) -> str:
    """A scenario file extending the calibrated one, each parameter a ``choice`` over a systematic resample of
    the posterior (its marginal: the joint dependence between parameters is not kept)."""
    w = fit["weights"]
    positions = (np.arange(draws) + 0.5) / draws
    idx = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    lines = [
        "# GENERATED by sim calibrate: the posterior's marginals as choice distributions (docs/observations.md).",
        f"# observations: {fit['observations']} (sha256 {fit['observations_sha256'][:12]}), window to "
        f"{fit['window_end']}, final ESS {ess(w):.0f} of {len(w)}, beta {fit['beta']:.3g}",
        f"extends: {scenario_rel}",
        f"name: {name}",
    ]
    groups: dict[str, list[str]] = {}
    for p in fit["priors"]:
        values = ", ".join(f"{v:.6g}" for v in fit["theta"][p.column][idx])
        head, _, leaf = p.column.rpartition(".")
        groups.setdefault(head, []).append(f"{leaf}: {{dist: choice, values: [{values}]}}")
    params = {k: v for k, v in groups.items() if k.startswith("params.")}
    if params:
        lines.append("params:")
        for head, entries in params.items():
            lines.append(f"  {head.split('.', 1)[1]}:")
            lines += [f"    {e}" for e in entries]
    if "initial" in groups:
        lines.append("initial:")
        lines += [f"  {e}" for e in groups["initial"]]
    return "\n".join(lines) + "\n"


def write_calibration(
    fit: dict[str, Any], out: Path, scenario_path: str | Path, name: str, force: bool
) -> dict[str, Any]:
    """Write a calibration's directory atomically: particles.csv, scenario.resolved.yaml, calibration.json,
    posterior.yaml (extending ``scenario_path``, named ``name``) and a manifest (kind ``calibration``, so that
    ``--force`` may replace it). Returns the summary."""
    import os

    from sim.files import atomic_dir, json_bytes, write_atomic
    from sim.provenance import manifest

    summary = summarise(fit)
    rel = os.path.relpath(Path(scenario_path).resolve(), Path(out).resolve())
    fields = {
        "scenario_file": str(scenario_path),
        "observations": fit["observations"],
        "observations_sha256": fit["observations_sha256"],
        "window_end": fit["window_end"],
        "replicates": fit["replicates"],
        "seed": fit["seed"],
    }
    with atomic_dir(Path(out), force) as tmp:
        (tmp / "particles.csv").write_text(particles_csv(fit), encoding="utf-8")
        (tmp / "scenario.resolved.yaml").write_text(run_yaml(fit), encoding="utf-8")
        (tmp / "calibration.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        (tmp / "posterior.yaml").write_text(posterior_scenario(fit, rel, name), encoding="utf-8")
        write_atomic(tmp / "manifest.json", json_bytes(manifest("calibration", fields)))
    return summary


def run_yaml(fit: dict[str, Any]) -> str:
    """The final generation's scenario as run (scenario.resolved.yaml): what ``sim run --from`` re-simulates to
    rebuild the particles' state at a date (sim/restart.py)."""
    import yaml

    return str(yaml.safe_dump(fit["run"].resolved_dict(), sort_keys=False))


def particles_csv(fit: dict[str, Any]) -> str:
    cols = [p.column for p in fit["priors"]]
    rows = ["replicate," + ",".join(cols) + ",weight"]
    for i in range(len(fit["weights"])):
        rows.append(f"{i}," + ",".join(f"{fit['theta'][c][i]:.9g}" for c in cols) + f",{fit['weights'][i]:.9g}")
    return "\n".join(rows) + "\n"
