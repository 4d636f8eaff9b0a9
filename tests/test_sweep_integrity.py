"""Tampered sweeps (issue 18): --resume recomputes every damaged part (truncated, empty, edited, copied from
another point, or with no recorded digest) and the result is byte-identical to an untampered run; a sweep
whose parts/ is a file or whose manifest is not JSON is refused with one line. Property-based: any change to a
part's bytes is caught, and a results directory with any byte of its outcomes cut or changed is either read
or refused with one line, never a crash."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

import tests.hypothesis_profile  # noqa: F401  (the project's hypothesis settings)
from tests.conftest import SCENARIOS

SWEEP = f"""
name: tamper
base: {SCENARIOS / "baseline.yaml"}
set: {{horizon_weeks: 12, chunk_size: 100}}
sampler: grid
parameters:
  agents.us.levers.penalty_tariff: [0, 50, 100]
replicates: 200
metrics: [p_settlement, mean_terms]
"""
PART = "point-{:06d}.chunk-{:04d}.parquet"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tests.conftest import exit_code

    base = tmp_path_factory.mktemp("tamper")
    sweep = base / "sweep.yaml"
    sweep.write_text(SWEEP, encoding="utf-8")
    assert exit_code(["sweep", str(sweep), "-w", "1", "-q", "-o", str(base / "ref")]) == 0
    return sweep, base / "ref"


def _truncate(out: Path) -> None:
    f = out / "parts" / PART.format(1, 0)
    f.write_bytes(f.read_bytes()[:100])


def _empty(out: Path) -> None:
    (out / "parts" / PART.format(2, 1)).write_bytes(b"")


def _from_another_point(out: Path) -> None:
    shutil.copyfile(out / "parts" / PART.format(0, 0), out / "parts" / PART.format(1, 0))


def _edited(out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    f = out / "parts" / PART.format(0, 1)
    t = pq.read_table(f)
    i = t.schema.get_field_index("terms")
    pq.write_table(t.set_column(i, "terms", pa.array([0.99] * t.num_rows, t.schema.field(i).type)), f)


def _no_digest(out: Path) -> None:
    index = out / "parts.sha256"
    index.write_text("".join(index.read_text().splitlines(keepends=True)[1:]))


def _index_garbage(out: Path) -> None:
    (out / "parts.sha256").write_bytes(b"\x00garbage\nnot a digest  parts/x\n")


def _missing(out: Path) -> None:
    (out / "parts" / PART.format(2, 0)).unlink()


TAMPER: dict[str, tuple[Callable[[Path], None], int]] = {
    "truncated part": (_truncate, 1),
    "empty part": (_empty, 1),
    "part from another point": (_from_another_point, 1),
    "edited part": (_edited, 1),
    "digest missing": (_no_digest, 1),
    "digest index garbage": (_index_garbage, 6),
    "missing part": (_missing, 0),
}


@pytest.mark.parametrize("case", list(TAMPER))
def test_resume_recomputes_damaged_parts(case: str, reference: tuple[Path, Path], tmp_path: Path, run_cli) -> None:
    sweep, ref = reference
    out = tmp_path / "out"
    shutil.copytree(ref, out)
    damage, n_damaged = TAMPER[case]
    damage(out)
    code, _out, err = run_cli("sweep", str(sweep), "-w", "1", "-q", "-o", str(out), "--resume")
    assert code == 0, err
    if n_damaged:
        assert f"resume: {n_damaged} damaged part(s) computed again" in err
    else:
        assert "damaged" not in err
    assert (out / "points.parquet").read_bytes() == (ref / "points.parquet").read_bytes()
    for part in (ref / "parts").iterdir():
        assert (out / "parts" / part.name).read_bytes() == part.read_bytes(), part.name


def _parts_a_file(out: Path) -> None:
    shutil.rmtree(out / "parts")
    (out / "parts").write_text("not a directory")


def _manifest_not_json(out: Path) -> None:
    (out / "manifest.json").write_text('{"kind": "sweep", ', encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_parts_a_file, "parts: not a directory: the sweep's results are damaged; pass --force to start over"),
        (_manifest_not_json, "manifest.json: damaged results directory: not valid JSON"),
    ],
    ids=["parts a file", "manifest not JSON"],
)
def test_resume_refuses_a_damaged_directory(
    damage: Callable[[Path], None], message: str, reference: tuple[Path, Path], tmp_path: Path, run_cli
) -> None:
    sweep, ref = reference
    out = tmp_path / "out"
    shutil.copytree(ref, out)
    damage(out)
    code, _out, err = run_cli("sweep", str(sweep), "-w", "1", "-q", "-o", str(out), "--resume")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.strip().startswith(f"error: {out}/") and message in err


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(data=st.data())
def test_any_change_to_a_part_is_caught(data: st.DataObject, reference: tuple[Path, Path], tmp_path: Path) -> None:
    from sim.sweep.integrity import check_parts

    _sweep, ref = reference
    out = tmp_path / "prop"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ref, out)
    name = PART.format(data.draw(st.integers(0, 2)), data.draw(st.integers(0, 1)))
    f = out / "parts" / name
    raw = bytearray(f.read_bytes())
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    f.write_bytes(bytes(raw))
    expected = {PART.format(j, c) for j in range(3) for c in range(2)}
    checked = check_parts(out, expected)
    assert [n for n, _why in checked.damaged] == [name]
    assert checked.good == expected - {name} and not f.exists()


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import sim

    sc = sim.load_scenario(SCENARIOS / "baseline.yaml", ["replicates=50", "horizon_weeks=12", "seed=3"])
    return sim.write_results(sim.run(sc, workers=1), tmp_path_factory.mktemp("prop_run") / "run")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(
    name=st.sampled_from(["outcomes.parquet", "weekly.parquet", "manifest.json", "summary.json"]),
    cut=st.booleans(),
    where=st.floats(0, 1, exclude_max=True),
    xor=st.integers(1, 255),
)
def test_a_damaged_results_directory_is_read_or_refused_in_one_line(
    name: str, cut: bool, where: float, xor: int, small_run: Path, tmp_path: Path
) -> None:
    from sim.errors import ScenarioError
    from sim.results import load_results

    bad = tmp_path / "bad"
    shutil.rmtree(bad, ignore_errors=True)
    shutil.copytree(small_run, bad)
    f = bad / name
    raw = bytearray(f.read_bytes())
    i = int(where * len(raw))
    if cut:
        raw = raw[:i]
    else:
        raw[i] ^= xor
    f.write_bytes(bytes(raw))
    try:
        result = load_results(bad)
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(bad))
    else:  # a change the formats cannot notice (a byte of padding, a digit of a JSON number)
        assert len(result.outcomes) == 50
