"""calibration.png (sim score) in the charts' house style: 150 dpi, plain text, a caption, the events sorted by
the probability the run gave them, filled when they happened."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.text import Text
from PIL import Image

from sim.observe.plots import calibration_figure
from sim.observe.scoring import coverage_curve, write_score


def _report() -> dict:
    pits = [0.05, 0.5, 0.95, 0.97, 0.99, 0.3]
    values = [{"pit": u} for u in pits]
    events = [
        {"event": "talks", "date": "2026-01-31", "happened": True, "p": 0.8, "brier": 0.04},
        {"event": "settlement", "date": "2026-02-15", "happened": False, "p": 0.1, "brier": 0.01},
        {"event": "penalty_tariff", "date": "2026-02-15", "happened": False, "p": 0.95, "brier": 0.9},
    ]
    curve = coverage_curve(pits)
    at = {c["nominal"]: c["observed"] for c in curve}
    summary = {
        "coverage_curve": curve,
        "coverage_50": {"nominal": 0.5, "observed": at[0.5]},
        "coverage_90": {"nominal": 0.9, "observed": at[0.9]},
        "mean_brier": float(np.mean([e["brier"] for e in events])),
    }
    return {
        "scenario": "base $x$",
        "observations": "observations/o.csv",
        "observations_sha256": "ab" * 32,
        "replicates": 500,
        "weighted": False,
        "ess": 500.0,
        "values": values,
        "events": events,
        "summary": summary,
    }


def test_calibration_chart_in_house_style(tmp_path: Path) -> None:
    report = _report()
    fig = calibration_figure(report)
    assert all(not t.get_parse_math() for t in fig.findobj(Text))  # type: ignore[attr-defined]
    assert fig.get_suptitle() == "base $x$: calibration against o.csv"
    caption = [t.get_text() for t in fig.texts if t.get_gid() == "caption"]
    assert caption and "500 replicates" in caption[0] and "sha256 abababababab" in caption[0]
    events_ax = fig.axes[2]
    labels = [t.get_text() for t in events_ax.get_yticklabels()]
    assert labels == [
        "settlement by 15 Feb 2026 (Brier 0.010)",
        "talks by 31 Jan 2026 (Brier 0.040)",
        "penalty tariff by 15 Feb 2026 (Brier 0.900)",
    ]
    filled = [ln.get_xdata()[0] for ln in events_ax.lines if ln.get_gid() == "event-happened"]
    assert filled == [0.8]
    _, chart = write_score(report, tmp_path)
    assert chart is not None
    w, h = fig.get_size_inches()
    with Image.open(chart) as png:
        assert png.size == (round(w * 150), round(h * 150))
