"""What each process imports: the command line starts fast, and a sweep's own process never loads the model.

These are the properties that make two workers nearly twice as fast as one on a short sweep (issue #6): the
model (Mesa, scipy.stats, pandas: about a second) is imported by the pool's forkserver, in parallel with the
command, not again by the command itself. Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa

import sim
from sim.names import CUMULATIVE, END_COLUMNS, END_STATE
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("mesa", "pandas", "scipy.stats", "matplotlib", "sim.model", "sim.runner", "sim.results")


def loaded_after(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which of HEAVY it left imported."""
    probe = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))
        """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_command_line_imports_nothing_heavy_to_start() -> None:
    loaded = loaded_after("import sim.cli; sim.cli.cli.commands")
    assert not any(loaded.values()), loaded


def test_import_sim_is_light_and_its_api_loads_on_first_use() -> None:
    assert not any(loaded_after("import sim").values())
    loaded = loaded_after("import sim; sim.load_scenario")
    assert not loaded["sim.model"] and not loaded["mesa"]
    loaded = loaded_after("from sim import run, RunResult")
    assert loaded["sim.runner"] and loaded["sim.model"]


def test_the_lazy_api_is_the_real_one() -> None:
    from sim.results import load_results
    from sim.runner import RunResult
    from sim.scenario import Scenario

    assert sim.load_scenario is load_scenario and sim.load_results is load_results
    assert sim.RunResult is RunResult and sim.Scenario is Scenario
    assert set(sim.__all__) <= set(dir(sim))
    try:
        sim.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")


def test_a_sweep_on_two_workers_never_imports_the_model_in_its_own_process(tmp_path: Path) -> None:
    sweep = tmp_path / "tiny.yaml"
    sweep.write_text(
        textwrap.dedent(f"""\
        name: tiny
        base: {ROOT / "scenarios" / "baseline.yaml"}
        sampler: grid
        parameters:
          params.costs.scale: [0.5, 1.5]
        set: {{horizon_weeks: 12, chunk_size: 25}}
        replicates: 50
        metrics: [p_settlement, mean_end.front]
        """),
        encoding="utf-8",
    )
    loaded = loaded_after(f"""
        import sys
        from sim.cli import main
        sys.argv = ["sim", "sweep", {str(sweep)!r}, "-w", "2", "-q", "-o", {str(tmp_path / "out")!r}]
        assert main() in (0, None)
        """)
    assert (tmp_path / "out" / "points.parquet").exists()
    assert not loaded["sim.model"] and not loaded["mesa"] and not loaded["scipy.stats"], loaded


def test_end_columns_are_those_of_the_outcome_table() -> None:
    from sim.model import PressureModel
    from sim.outcomes import outcome_table

    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml", ["replicates=3"])
    table: pa.Table = outcome_table(PressureModel(sc, 3), 0)
    assert tuple(c for c in table.column_names if c.startswith(("end.", "cum."))) == END_COLUMNS
    assert len(END_COLUMNS) == len(END_STATE) + len(CUMULATIVE)


def test_reading_results_never_loads_the_model() -> None:
    """What reads, compares, charts or reweights results takes the model's vocabulary from sim.names (issue 10)."""
    loaded = loaded_after(
        "import sim.results, sim.compare, sim.plots, sim.report, sim.summary, sim.observe.conditioning, sim.sweep"
    )
    assert not loaded["sim.model"] and not loaded["mesa"] and not loaded["sim.runner"], loaded
