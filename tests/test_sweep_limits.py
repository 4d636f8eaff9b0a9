"""Impossible designs are refused before anything is allocated, run settings and paths named twice are not
sweepable, and a bad --scheduler address fails at once (issue 18)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS

HEAD = f"name: limits\nbase: {SCENARIOS / 'baseline.yaml'}\nreplicates: 10\nmetrics: [p_settlement]\n"
TWO_AXES = "".join(f"  params.costs.{k}: {{low: 0.1, high: 0.9}}\n" for k in ("scale", "base_ru"))
AXES = {
    "grid 1e9": "sampler: grid\nparameters:\n"
    + "".join(
        f"  {p}: {{low: 0.1, high: 0.9, num: {n}}}\n"
        for p, n in (("params.costs.scale", 1000), ("params.costs.base_ru", 1000), ("params.costs.base_ua", 1000))
    ),
    "grid 1e10": "sampler: grid\nparameters:\n"
    + "".join(
        f"  {p}: {{low: 0.1, high: 0.9, num: {n}}}\n"
        for p, n in (("params.costs.scale", 100_000), ("params.costs.base_ru", 100_000))
    ),
    "lhs 1e7": "sampler: lhs\nsamples: 10000000\nparameters:\n" + TWO_AXES,
    "sobol 3e7": "sampler: sobol\nsamples: 8388608\nparameters:\n" + TWO_AXES,
}
SIZES = {"grid 1e9": "1,000,000,000", "grid 1e10": "10,000,000,000", "lhs 1e7": "10,000,000", "sobol 3e7": "33,554,432"}


@pytest.mark.parametrize("case", list(AXES))
def test_an_impossible_design_is_refused_at_once(case: str, tmp_path: Path, run_cli) -> None:
    f = tmp_path / "big.yaml"
    f.write_text(HEAD + AXES[case], encoding="utf-8")
    started = time.perf_counter()
    code, _out, err = run_cli("sweep", str(f), "--workers", "1", "-q", "--out", str(tmp_path / "out"))
    seconds = time.perf_counter() - started
    assert code == 2, err
    sampler = case.split()[0]
    field = "parameters" if sampler == "grid" else "samples"
    assert err.strip() == (
        f"error: {f}: {field}: the {sampler} design has {SIZES[case]} points, over the limit of 100,000 (each "
        "point is at least one task); reduce it, or raise the limit with --max-points"
    )
    assert seconds < 5.0  # typically well under a second, on a loaded machine too
    assert not (tmp_path / "out").exists()


def test_design_size_is_exact_and_the_limit_can_be_raised(tmp_path: Path) -> None:
    from sim.errors import ScenarioError
    from sim.sweep import load_sweep

    f = tmp_path / "s.yaml"
    f.write_text(HEAD + "sampler: sobol\nsamples: 64\nparameters:\n" + TWO_AXES, encoding="utf-8")
    assert len(load_sweep(f).design) == 64 * (2 + 2)
    with pytest.raises(ScenarioError, match="the sobol design has 256 points, over the limit of 100 "):
        load_sweep(f, max_points=100)
    assert len(load_sweep(f, max_points=256).design) == 256


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        ("  replicates: [10, 20]\n", "parameters.replicates", "replicates is a run setting"),
        ("  chunk_size: [100, 200]\n", "parameters.chunk_size", "chunk_size is a run setting"),
        ("  seed: [1, 2]\n", "parameters.seed", "seed is a run setting"),
        (
            "  params.costs: [1.0, 2.0]\n  params.costs.scale: [1.0, 1.2]\n",
            "parameters.params.costs.scale",
            "params.costs is swept and so is params.costs.scale inside it: name each parameter once",
        ),
    ],
)
def test_unsweepable_parameters_are_refused(parameters: str, field: str, message: str, tmp_path: Path, run_cli):
    f = tmp_path / "s.yaml"
    f.write_text(HEAD + "sampler: grid\nparameters:\n" + parameters, encoding="utf-8")
    code, _out, err = run_cli("sweep", str(f), "--workers", "1", "-q", "--out", str(tmp_path / "out"))
    assert code == 2 and err.startswith(f"error: {f}: {field}: {message}"), err


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("tcp://127.0.0.1:1", "cannot connect to the Dask scheduler at tcp://127.0.0.1:1: Connection refused"),
        ("bogus://x", "--scheduler 'bogus://x': not an address; expected tcp://HOST:PORT (or tls://)"),
        ("tcp://127.0.0.1:99999", "--scheduler 'tcp://127.0.0.1:99999': not an address (Port out of range"),
        ("tcp://host.invalid:8786", "cannot connect to the Dask scheduler at tcp://host.invalid:8786: unknown host"),
    ],
)
def test_a_bad_scheduler_address_fails_at_once(address: str, message: str) -> None:
    from sim.errors import RunError
    from sim.executors import probe_scheduler

    started = time.perf_counter()
    with pytest.raises(RunError) as info:
        probe_scheduler(address)
    assert str(info.value).startswith(message)
    assert time.perf_counter() - started < 5.0
