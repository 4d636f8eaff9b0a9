"""sim show, sim diff and sim export: what a scenario changes, what differs, and the results as CSV and Excel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
SC = ROOT / "scenarios"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sc = sim.load_scenario(SC / "baseline.yaml", ["replicates=400", "horizon_weeks=30"])
    return sim.write_results(sim.run(sc), tmp_path_factory.mktemp("share") / "baseline")


def test_show_lists_what_a_child_changes_from_its_parent(capsys: pytest.CaptureFixture[str]) -> None:
    main(["show", str(SC / "max_pressure.yaml")])
    out = capsys.readouterr().out
    assert out.startswith("max_pressure (")
    assert "differences from its parent baseline.yaml" in out
    assert "events.tomahawks_approved" in out and "(absent)  ->  {week: 1" in out
    assert "agents.us.policies.tomahawks_if_no_deal" in out  # a policy the child deletes
    assert "Does maximum pressure" in out


def test_show_of_a_variant_names_its_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    main(["show", str(SC / "baseline.yaml"), "--set", "params.costs.scale=1.5"])
    out = capsys.readouterr().out
    assert "variant of baseline; overrides: params.costs.scale=1.5" in out
    assert "params.costs.scale" in out.split("from the defaults")[1]


def test_diff_of_two_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    main(["diff", str(SC / "baseline.yaml"), str(SC / "us_steps_back.yaml")])
    out = capsys.readouterr().out
    assert out.startswith("7 differences: baseline -> us_steps_back") or "differences: baseline -> us_steps_back" in out
    assert "events.aid_cut" in out and "name  " not in out.splitlines()[0]
    main(["diff", str(SC / "baseline.yaml"), str(SC / "baseline.yaml")])
    assert "no difference" in capsys.readouterr().out


def test_export_csv_matches_the_summary(run_dir: Path, tmp_path: Path) -> None:
    main(["export", str(run_dir), "-o", str(tmp_path)])
    summary = sim.load_results(run_dir).summary
    out = pd.read_csv(tmp_path / "outcomes.csv")
    s = out.set_index("outcome").loc["settlement"]
    assert s["probability"] == pytest.approx(summary["outcomes"]["settlement"]["p"])
    assert s["mc_lo_95"] == pytest.approx(summary["outcomes"]["settlement"]["lo"])
    fans = pd.read_csv(tmp_path / "fans.csv")
    assert {"front", "india_share"} <= set(fans["variable"]) and fans["date"].iloc[0] == "2025-10-16"
    flat = pd.read_csv(tmp_path / "summary.csv").set_index("field")["value"]
    assert float(flat["outcomes.settlement.p"]) == pytest.approx(summary["outcomes"]["settlement"]["p"])


def test_export_xlsx_has_three_sheets(run_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / "r.xlsx"
    main(["export", str(run_dir), "--format", "xlsx", "-o", str(path)])
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["outcomes", "fans", "summary"]
    csv_dir = tmp_path / "csv"
    main(["export", str(run_dir), "-o", str(csv_dir)])
    pd.testing.assert_frame_equal(sheets["outcomes"], pd.read_csv(csv_dir / "outcomes.csv"), check_dtype=False)


def test_export_of_a_missing_directory_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", str(tmp_path / "nope")])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().endswith("not a results directory")


def test_the_python_api_covers_plots_reports_uncertainty_and_export(run_dir: Path, tmp_path: Path) -> None:
    files = sim.plot(run_dir, "png", tmp_path / "charts")
    assert {p.stem for p in files} >= {"outcomes", "incidence", "fan_front", "settlement_terms", "settlement_timing"}
    assert sim.model_uncertainty(run_dir) == sim.load_results(run_dir).summary["model_uncertainty"]
    assert [p.name for p in sim.export_results(run_dir, "csv", tmp_path / "x")] == [
        "outcomes.csv",
        "fans.csv",
        "summary.csv",
    ]
    page = sim.write_report(run_dir, tmp_path / "r.html", traces=False)
    assert "Model uncertainty beside the Monte Carlo interval" in page.read_text(encoding="utf-8")
