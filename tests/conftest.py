"""Shared fixtures: small, seeded runs of shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run ``sim`` in process; return (exit status, stdout, stderr)."""
    from sim.cli import main

    def _run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


def exit_code(args: list[str]) -> int:
    """Run ``sim`` in process and return its exit status (output left to pytest's capture)."""
    from sim.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


CONDITIONING_OBSERVATIONS = """date,variable,value,sd,event,happened
2026-01-08,front,0.83,0.02,,
2026-03-05,,,,ended,false
"""


@pytest.fixture(scope="session")
def conditioned_pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A prior run with trajectories and ``sim condition`` of it: no war ended by 5 March 2026 (drops the
    early settlements) and the front near 83% in early January (uneven weights)."""
    import sim

    base = tmp_path_factory.mktemp("conditioned")
    sc = sim.load_scenario(
        SCENARIOS / "baseline.yaml", ["replicates=600", "horizon_weeks=30", "trajectories=[india_share,front]"]
    )
    prior = sim.write_results(sim.run(sc), base / "prior")
    obs = base / "observations.csv"
    obs.write_text(CONDITIONING_OBSERVATIONS, encoding="utf-8")
    # 3 only under --min-ess; the directory is written either way
    assert exit_code(["condition", str(prior), str(obs), "--out", str(base / "posterior")]) in (0, 3)
    return {"prior": prior, "posterior": base / "posterior"}
