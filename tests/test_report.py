"""report.html: one self-contained file with the question, headline, charts, outcome table, sample paths,
events, policies, changed parameters and manifest; and it renders in headless Chromium with every image
loaded and no console error.

The browser check: Chromium loads the page with ``--dump-dom`` after a virtual-time budget; the report's own
inline self-check script has by then written, into ``<body data-*>``, how many images there are, how many
decoded (``naturalWidth > 0``) and how many script errors or ``console.error`` calls happened. Chromium's own
log (``--enable-logging=stderr``) must hold no ``CONSOLE`` line either. A second run saves a screenshot next to
the report. Chromium comes from Debian's ``chromium`` package: the fixture installs it when missing (as root,
with apt-get, once) and skips with the reason when it cannot.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.plots import FAN_VARIABLES
from sim.report import write_report
from tests.conftest import CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
N_CHARTS = 4 + len(FAN_VARIABLES)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sc = sim.load_scenario(
        ROOT / "scenarios" / "max_pressure.yaml", ["replicates=500", "horizon_weeks=30", "params.costs.energy=0.006"]
    )
    return sim.write_results(sim.run(sc), tmp_path_factory.mktemp("report") / "max_pressure")


@pytest.fixture(scope="module")
def report(run_dir: Path) -> Path:
    return write_report(run_dir)


@pytest.fixture(scope="module")
def variant_dirs(run_dir: Path) -> tuple[Path, Path]:
    """A variant (max_pressure with a model override) next to its parent's results, same seed and size."""
    sc = sim.load_scenario(
        ROOT / "scenarios" / "max_pressure.yaml",
        [
            "replicates=500",
            "horizon_weeks=30",
            "params.costs.energy=0.006",
            "agents.us.levers.sanctions=1",
            "agents.us.levers.aid=0.3",
        ],
    )
    out = run_dir.parent / sc.dir_name
    return run_dir, sim.write_results(sim.run(sc), out)


@pytest.fixture(scope="module")
def comparison_report(variant_dirs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sim.compare import write_comparison

    out = tmp_path_factory.mktemp("compare") / "cmp"
    write_comparison([variant_dirs[0], variant_dirs[1]], out)
    return write_report(out)


@pytest.fixture(scope="module")
def sweep_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sim.sweep import load_sweep, run_sweep

    tmp = tmp_path_factory.mktemp("sweep")
    spec = tmp / "lhs.yaml"
    spec.write_text(
        f"""name: tiny_lhs
question: Where is a deal likely?
base: {ROOT / "scenarios" / "baseline.yaml"}
set: {{horizon_weeks: 26}}
sampler: lhs
samples: 24
parameters:
  agents.europe.levers.guarantees: {{low: 0, high: 0.8}}
  agents.us.levers.mediation: {{low: 0.5, high: 3}}
  agents.us.levers.sanctions: {{low: 0, high: 1}}
replicates: 60
""",
        encoding="utf-8",
    )
    run_sweep(load_sweep(spec), tmp / "out")
    return write_report(tmp / "out")


@pytest.fixture(scope="module")
def html(report: Path) -> str:
    return report.read_text(encoding="utf-8")


def test_report_is_one_self_contained_file(report: Path, html: str, run_dir: Path) -> None:
    assert report == run_dir / "report.html"
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == N_CHARTS
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:|//|file:)', html)
    assert "<link" not in html


def test_report_opens_with_the_question_and_headline(html: str, run_dir: Path) -> None:
    summary = sim.load_results(run_dir).summary
    question = html.index("The question.")
    assert question < html.index('id="headline"') < html.index('id="charts"') < html.index('id="outcomes"')
    assert "Does maximum pressure on Russia" in html
    s = summary["outcomes"]["settlement"]
    assert f"{s['p']:.0%}" in html and f"{s['lo']:.1%} – {s['hi']:.1%}" in html


def test_report_lists_events_policies_parameters_and_manifest(html: str) -> None:
    assert "Tomahawks approved" in html and "Sanctions on Rosneft and Lukoil, enforced" in html
    assert "More Patriots" in html and "tomahawks_if_no_deal" not in html  # max_pressure removes the rule
    # the changed parameter, with its default and source
    params = html.split('id="parameters"')[1]
    row = params[params.index("params.costs.energy") :][:400]
    assert "0.006" in row and "U(0.002, 0.01)" in row
    assert "scenario_sha256" in html and "20251016" in html
    assert 'id="paths"' in html and "ended: settlement" in html


def test_report_has_a_sample_path_per_outcome_that_occurred(html: str, run_dir: Path) -> None:
    outcomes = sim.load_results(run_dir).outcomes["outcome"].astype(str)
    n_paths = html.split('id="paths"')[1].split('id="scenario"')[0].count("<h3>")
    assert n_paths == outcomes.nunique()


def test_sim_report_command(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    main(["report", str(run_dir), "--out", str(out), "--no-traces"])
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_text(encoding="utf-8").count("<img ") == N_CHARTS


# ---- in a real browser ----


def _install_chromium() -> str | None:
    """apt-get install chromium (after apt-get update if the first try fails); None and the reason if not."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return "chromium is not installed, and installing it needs root and apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    last = ""
    for cmd in (install, ["apt-get", "update", "-q"], install):
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            last = str(exc)
            continue
        lines = (done.stderr or done.stdout).strip().splitlines()
        last = lines[-1] if lines else f"exit status {done.returncode}"
        if cmd is install and shutil.which("chromium"):
            return None
    return f"chromium could not be installed with apt-get: {last}"


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = _install_chromium()
        path = shutil.which("chromium")
        if path is None:
            pytest.skip(reason or "chromium is not installed")
    return path


def _run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def test_report_shows_model_uncertainty_glossary_and_what_is_left_out(html: str, run_dir: Path) -> None:
    section = html.split('id="uncertainty"')[1].split('id="charts"')[0]
    assert "across parameters (10th–90th)" in section and "decided by" in section
    # the parameter that decides a settlement most (whichever the run measured), with its source
    top = sim.load_results(run_dir).summary["model_uncertainty"]["outcomes"]["settlement"]["drivers"][0]
    assert f"<code>{top['parameter'].removeprefix('params.')}</code>" in section
    assert escape(top["source"]) in section
    assert 'id="glossary"' in html and 'id="left-out"' in html
    assert "@media print" in html and "max-height: none" in html  # printing shows whole traces


def test_a_variant_report_names_its_overrides_and_its_deltas_against_the_parent(
    variant_dirs: tuple[Path, Path],
) -> None:
    parent, variant = variant_dirs
    text = write_report(variant, variant / "r.html", traces=False).read_text(encoding="utf-8")
    assert "<h1>Leverage · max_pressure with costs.energy=0.006, us.sanctions=1, us.aid=0.3</h1>" in text
    assert "<code>agents.us.levers.sanctions=1</code>" in text and "A variant of the scenario" in text
    against = text.split('id="parent"')[1]
    assert "paired (common random numbers)" in against and "replicates gaining it" in against


def test_the_comparison_report_puts_the_alternative_beside_the_baseline(comparison_report: Path) -> None:
    text = comparison_report.read_text(encoding="utf-8")
    assert (
        "What if: max_pressure with costs.energy=0.006, us.sanctions=1, us.aid=0.3 instead of max_pressure with "
        in text
    )
    assert "Its question." in text and "replicates gaining it" in text and "Replicate by replicate" in text
    assert text.count("<img ") == 3


def test_sim_compare_report_flag(variant_dirs: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    main(["compare", str(variant_dirs[0]), str(variant_dirs[1]), "-o", str(tmp_path / "c"), "--report"])
    out = capsys.readouterr().out
    assert "replicate by replicate (the same worlds under both)" in out
    assert f"report: {tmp_path / 'c' / 'report.html'}" in out


def _dom_check(chromium: str, report: Path, tmp_path: Path, n_images: int) -> None:
    url = report.resolve().as_uri()
    done = _run_chromium(
        chromium,
        tmp_path / "profile-dom",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", done.stdout)
    assert body, done.stdout[:500]
    attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', body.group(1)))
    assert attrs.get("images-total") == str(n_images), attrs
    assert attrs.get("images-loaded") == str(n_images), attrs
    assert all(int(w) > 300 for w in attrs["image-widths"].split(","))
    assert attrs.get("errors") == "0", attrs
    console = [ln for ln in done.stderr.splitlines() if ":CONSOLE" in ln]
    assert console == [], console
    shot = report.parent / "report.png"
    done = _run_chromium(chromium, tmp_path / "profile-shot", "--window-size=1280,2000", f"--screenshot={shot}", url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_comparison_report_renders_in_headless_chromium(chromium: str, comparison_report: Path, tmp_path: Path) -> None:
    _dom_check(chromium, comparison_report, tmp_path, 3)


def test_sweep_report_renders_in_headless_chromium(chromium: str, sweep_report: Path, tmp_path: Path) -> None:
    n = sweep_report.read_text(encoding="utf-8").count("<img ")
    assert n >= 1
    _dom_check(chromium, sweep_report, tmp_path, n)


def test_report_renders_in_headless_chromium(chromium: str, report: Path, tmp_path: Path) -> None:
    url = report.resolve().as_uri()
    done = _run_chromium(
        chromium,
        tmp_path / "profile-dom",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", done.stdout)
    assert body, done.stdout[:500]
    attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', body.group(1)))
    assert attrs.get("images-total") == str(N_CHARTS), attrs
    assert attrs.get("images-loaded") == str(N_CHARTS), attrs
    assert all(int(w) > 300 for w in attrs["image-widths"].split(","))
    assert attrs.get("errors") == "0", attrs
    console = [ln for ln in done.stderr.splitlines() if ":CONSOLE" in ln]
    assert console == [], console

    shot = report.parent / "report.png"
    done = _run_chromium(chromium, tmp_path / "profile-shot", "--window-size=1280,2000", f"--screenshot={shot}", url)
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2000)


def test_the_gain_and_loss_columns_show_a_plain_zero_when_no_replicate_moves() -> None:
    from sim.plots.common import OUTCOME_ORDER
    from sim.report_parts import deltas_html

    rows = [
        {
            "run": run,
            "outcome": o,
            "p": 0.25,
            "diff": 0.0,
            "diff_lo": 0.0,
            "diff_hi": 0.0,
            "pairing": "paired",
            "note": "",
        }
        for run in ("a", "b")
        for o in OUTCOME_ORDER
    ]
    # Every replicate ends as it did, except two that move from the first outcome to the second.
    matrix = pd.DataFrame(np.diag([10] * len(OUTCOME_ORDER)), index=list(OUTCOME_ORDER), columns=list(OUTCOME_ORDER))
    matrix.iloc[0, 1] = 2
    cells = [r.split("</tr>")[0] for r in deltas_html(pd.DataFrame(rows), "a", "b", matrix).split("<tr>")[2:]]
    assert '<span class="lose">−2</span>' in cells[0] and '<span class="gain">+2</span>' in cells[1]
    assert all("−0" not in c and "+0<" not in c for c in cells)
