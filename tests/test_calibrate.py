"""sim calibrate (issue 13 §3): the posterior concentrates on the parameter that generated synthetic data,
holdout rows are refused, bad observation files are one-line errors with exit status 2, and the results are
deterministic for a seed and byte-identical across worker counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.calibrate.smc import calibrate, summarise
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
START = dt.date(2025, 10, 16)
OBSERVED = Path(__file__).resolve().parents[1] / "observations"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Russia's fiscal buffer observed on four dates (sd $0.5bn) in one run whose initial buffer was $50bn (the
    prior is U(48, 56))."""
    sc = load_scenario(
        BASELINE,
        ["replicates=1", "horizon_weeks=16", "initial.buffer_ru=50", "trajectories=[buffer_ru]", "seed=7"],
    )
    buffer = np.asarray(sim.run(sc).trajectories[0]["buffer_ru"])[:, 0]
    rows = ["date,variable,value,sd"] + [
        f"{START + dt.timedelta(weeks=w)},buffer_ru,{buffer[w]:.4f},0.5" for w in (2, 6, 10, 14)
    ]
    path = tmp_path_factory.mktemp("synthetic") / "obs.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_posterior_concentrates_on_the_generating_parameter(synthetic: Path) -> None:
    s = summarise(calibrate(BASELINE, synthetic, replicates=1000, generations=8))
    assert s["final_beta"] == 1.0  # reached the exact likelihood
    buffer = s["parameters"]["initial.buffer_ru"]
    assert buffer["prior"]["sd"] > 2  # U(48, 56): sd 2.3
    assert abs(buffer["posterior"]["mean"] - 50) < 1.0
    assert buffer["sd_ratio"] < 0.3
    # a parameter the buffer barely depends on over 14 weeks stays near its prior
    assert s["parameters"]["params.beliefs.prior_strength_ua"]["sd_ratio"] > 0.7
    assert [g["generation"] for g in s["generations"]] == list(range(len(s["generations"])))


def test_holdout_rows_are_refused() -> None:
    with pytest.raises(ScenarioError, match=r"line \d+: date 2026-02-20 is after the calibration window's end"):
        calibrate(SCENARIOS / "realised_2025-26.yaml", OBSERVED / "holdout_2025-26.csv", replicates=50)


def test_cli_refuses_holdout_and_bad_files_in_one_line(run_cli, tmp_path: Path, synthetic: Path) -> None:
    out = str(tmp_path / "cal")
    code, _, err = run_cli("calibrate", str(BASELINE), str(OBSERVED / "holdout_2025-26.csv"), "--out", out)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "holdout row" in err
    bad = tmp_path / "bad.csv"
    for text, message in (
        ("date,variable,value\n2025-12-11,india_share,0.3\n", "line 2: sd: calibration needs a measurement error"),
        ("date,variable,value,sd\n2025-12-11,india_shar,0.3,0.02\n", "line 2: unknown variable 'india_shar'"),
        ("date,variable,value,sd\n", "no observations"),
    ):
        bad.write_text(text, encoding="utf-8")
        code, _, err = run_cli("calibrate", str(BASELINE), str(bad), "--out", out, "-n", "20")
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1 and message in err, err
    assert not Path(out).exists()  # nothing half-written


def test_deterministic_and_identical_across_workers(run_cli, tmp_path: Path, synthetic: Path) -> None:
    outputs = []
    for workers in ("1", "2", "1"):
        out = tmp_path / f"w{workers}-{len(outputs)}"
        args = ["calibrate", str(BASELINE), str(synthetic), "--out", str(out), "-n", "300"]
        code, _, err = run_cli(*args, "--generations", "3", "--workers", workers, "--set", "chunk_size=100")
        assert code in (0, 3), err
        outputs.append({f: (out / f).read_bytes() for f in ("particles.csv", "calibration.json", "posterior.yaml")})
    assert outputs[0] == outputs[1] == outputs[2]


def test_posterior_scenario_runs(run_cli, tmp_path: Path, synthetic: Path) -> None:
    out = tmp_path / "cal"
    code, stdout, err = run_cli("calibrate", str(BASELINE), str(synthetic), "--out", str(out), "-n", "500")
    assert code in (0, 3), err
    assert "generation 0: beta" in stdout
    post = load_scenario(out / "posterior.yaml", ["replicates=200", "horizon_weeks=10"])
    values = post.initial.buffer_ru.values  # a choice over the posterior sample
    assert min(values) >= 35 and max(values) <= 55
    assert len(sim.run(post).outcomes) == 200
