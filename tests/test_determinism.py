"""The same scenario and seed give byte-identical outputs whatever the number of workers."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SCENARIOS

ARGS = ("-n", "3000", "--horizon", "30", "--set", "chunk_size=1000", "-q", "--no-charts")


def test_outputs_byte_identical_across_worker_counts(tmp_path: Path, run_cli) -> None:
    outs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        code, _, err = run_cli(
            "run", str(SCENARIOS / "baseline.yaml"), *ARGS, "--workers", str(workers), "--out", str(out)
        )
        assert code == 0, err
        outs[workers] = out
    for name in ("outcomes.parquet", "weekly.parquet", "summary.json", "scenario.resolved.yaml"):
        assert (outs[1] / name).read_bytes() == (outs[2] / name).read_bytes(), name


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path, run_cli) -> None:
    paths = []
    for tag, seed in (("a", 7), ("b", 7), ("c", 8)):
        out = tmp_path / tag
        code, _, err = run_cli(
            "run",
            str(SCENARIOS / "baseline.yaml"),
            "-n",
            "500",
            "--horizon",
            "20",
            "--seed",
            str(seed),
            "--out",
            str(out),
            "-q",
            "--workers",
            "1",
            "--no-charts",
        )
        assert code == 0, err
        paths.append(out / "outcomes.parquet")
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_streamed_trajectories_equal_in_memory_ones(tmp_path: Path, run_cli) -> None:
    import pandas as pd

    import sim
    from sim.results import trajectories_table

    out = tmp_path / "t"
    code, _, err = run_cli(
        "run",
        str(SCENARIOS / "baseline.yaml"),
        "-n",
        "1500",
        "--horizon",
        "12",
        "--set",
        "chunk_size=500",
        "--trajectories",
        "india_share,front",
        "--workers",
        "2",
        "--out",
        str(out),
        "-q",
        "--no-charts",
    )
    assert code == 0, err
    streamed = pd.read_parquet(out / "trajectories.parquet")
    sc = sim.load_scenario(
        SCENARIOS / "baseline.yaml",
        ["replicates=1500", "horizon_weeks=12", "chunk_size=500", "trajectories=[india_share,front]"],
    )
    in_memory = trajectories_table(sim.run(sc)).to_pandas()
    assert len(streamed) == 1500 * 13 * 2
    assert streamed["value"].dtype == "float32"
    pd.testing.assert_frame_equal(streamed, in_memory)
