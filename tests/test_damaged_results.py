"""Damaged results directories (issue 18): every reader refuses one with one line naming the file, exit 2, no
traceback. The damage is done here, to copies of a real run."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CONDITIONING_OBSERVATIONS, SCENARIOS


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import sim

    base = tmp_path_factory.mktemp("damaged")
    sc = sim.load_scenario(
        SCENARIOS / "baseline.yaml", ["replicates=120", "horizon_weeks=20", "trajectories=[front]", "seed=5"]
    )
    return sim.write_results(sim.run(sc, workers=1), base / "good")


def _truncate(f: Path) -> None:
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def _garbage(f: Path) -> None:
    f.write_bytes(b"PAR1" + bytes(range(256)) * 7 + b"PAR1")


def _empty(f: Path) -> None:
    f.write_bytes(b"")


def _fewer_rows(f: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(f).slice(0, 7), f)


def _no_outcome_column(f: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(f).drop(["outcome"]), f)


def _bad_json(f: Path) -> None:
    f.write_text('{"kind": "run", "replicates": 12', encoding="utf-8")


def _json_list(f: Path) -> None:
    f.write_text("[1, 2]", encoding="utf-8")


def _bad_yaml(f: Path) -> None:
    f.write_text("name: [unclosed\nseed: !!int abc\n", encoding="utf-8")


def _directory(f: Path) -> None:
    f.unlink()
    f.mkdir()


DAMAGE: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "truncated outcomes": ("outcomes.parquet", _truncate, "not a readable Parquet file"),
    "garbage outcomes": ("outcomes.parquet", _garbage, "not a readable Parquet file"),
    "empty outcomes": ("outcomes.parquet", _empty, "not a readable Parquet file"),
    "outcomes rows": ("outcomes.parquet", _fewer_rows, "7 rows where the manifest promises 120"),
    "outcomes column": ("outcomes.parquet", _no_outcome_column, "no column 'outcome'"),
    "truncated weekly": ("weekly.parquet", _truncate, "not a readable Parquet file"),
    "empty trajectories": ("trajectories.parquet", _empty, "not a readable Parquet file"),
    "outcomes a directory": ("outcomes.parquet", _directory, "not a regular file"),
    "manifest not JSON": ("manifest.json", _bad_json, "not valid JSON"),
    "manifest a list": ("manifest.json", _json_list, "not a JSON object"),
    "summary not JSON": ("summary.json", _bad_json, "not valid JSON"),
    "scenario not YAML": ("scenario.resolved.yaml", _bad_yaml, "malformed YAML: line 2"),
}
READERS = ["plot", "report", "trace", "score", "condition", "compare"]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("case", list(DAMAGE))
def test_every_reader_refuses_a_damaged_results_directory(
    case: str, reader: str, good_run: Path, tmp_path: Path, run_cli
) -> None:
    name, damage, why = DAMAGE[case]
    bad = tmp_path / "bad"
    shutil.copytree(good_run, bad)
    damage(bad / name)
    obs = tmp_path / "obs.csv"
    obs.write_text(CONDITIONING_OBSERVATIONS, encoding="utf-8")
    args = {
        "plot": ["plot", str(bad)],
        "report": ["report", str(bad), "--no-traces"],
        "trace": ["trace", str(bad), "--replicate", "3"],
        "score": ["score", str(bad), str(obs), "-q"],
        "condition": ["condition", str(bad), str(obs), "-q", "--out", str(tmp_path / "cond")],
        "compare": ["compare", str(good_run), str(bad), "--out", str(tmp_path / "cmp")],
    }[reader]
    before = sorted(p.name for p in bad.iterdir())
    code, _out, err = run_cli(*args)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(f"error: {bad / name}: ")
    assert why in lines[0]
    assert sorted(p.name for p in bad.iterdir()) == before  # nothing written into it
    assert not (tmp_path / "cond").exists() and not (tmp_path / "cmp").exists()


def test_a_good_directory_passes_the_check(good_run: Path) -> None:
    from sim.resultsdir import check_results_dir

    manifest = check_results_dir(good_run, ("outcomes.parquet",))
    assert manifest["kind"] == "run" and manifest["replicates"] == 120
    assert json.loads((good_run / "manifest.json").read_text(encoding="utf-8")) == manifest
