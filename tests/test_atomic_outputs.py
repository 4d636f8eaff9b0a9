"""`sim report` never writes through a symbolic link planted at a temporary name, and `sim compare` never leaves
a half-written --out (issue 19)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import sim

    base = tmp_path_factory.mktemp("atomic")
    runs = []
    for name, seed in (("a", 1), ("b", 2)):
        sc = sim.load_scenario(SCENARIOS / "baseline.yaml", ["replicates=100", "horizon_weeks=20", f"seed={seed}"])
        runs.append(sim.write_results(sim.run(sc, workers=1), base / name))
    return runs[0], runs[1]


def test_report_does_not_write_through_a_planted_symlink(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    from sim.report import write_report

    run = two_runs[0]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    # the names earlier versions wrote to: fixed, then per process
    planted = [run / ".report.html.tmp", run / f".report.html.tmp-{os.getpid()}.html"]
    for link in planted:
        os.symlink(victim, link)
    try:
        path = write_report(run, traces=False)
        assert victim.read_text(encoding="utf-8") == "precious"
        assert path == run / "report.html" and not path.is_symlink()
        assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert all(link.is_symlink() for link in planted)
        assert sorted(p.name for p in run.iterdir() if ".tmp" in p.name) == sorted(p.name for p in planted)
    finally:
        for link in planted:
            link.unlink()
        (run / "report.html").unlink(missing_ok=True)


def test_compare_leaves_no_half_written_out(
    two_runs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.compare

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("chart failed")

    out = tmp_path / "deep" / "cmp"
    monkeypatch.setattr(sim.compare, "compare_fan", broken)
    with pytest.raises(RuntimeError, match="chart failed"):
        sim.compare.write_comparison(list(two_runs), out)
    assert list(tmp_path.iterdir()) == []  # neither out, nor deep/, nor a temporary directory

    monkeypatch.undo()
    _table, _text, files = sim.compare.write_comparison(list(two_runs), out)
    assert sorted(f.name for f in files) == sorted(p.name for p in out.iterdir())
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(sim.compare, "compare_fan", broken)
    with pytest.raises(RuntimeError):
        sim.compare.write_comparison(list(two_runs), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the earlier comparison kept whole
    assert sorted(p.name for p in out.parent.iterdir()) == ["cmp"]
