"""The observed months as observations files: ``observations/raw_2025-26.csv`` (the sources' units, a source on
every row) converted into the model's units and split at the end of the calibration window.

This module is the one place where units are converted (docs/observations.md, "Units"):

- percent to share: ``india_share = pct / 100``; mb/d to share: ``india_share = Russian mb/d / total mb/d``;
- RUB to $ and monthly to weekly: ``revenue_ru ($bn/week) = RUB bn / (RUB per $) / (days in the month / 7)``;
- Brent minus Urals: ``discount ($/bbl) = Brent − Urals`` when a source gives the two prices;
- launches to the model's strike intensity: ``strikes_ru = (drones + MISSILE_DRONE_EQUIVALENT · missiles) /
  (days / 7) · ENERGY_SHARE`` (drone-equivalents a week aimed at energy);
- km² to the front: ``front = FRONT_START + (cumulative km² since the start) / DISPUTED_KM2``, counting only the
  days of a month after the scenario's start.

``python -m sim.calibrate.observed`` rewrites the two generated files; a test checks they are up to date.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ScenarioError
from sim.files import write_atomic

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "observations" / "raw_2025-26.csv"
WINDOW_FILE = ROOT / "observations" / "observed_2025-26.csv"
HOLDOUT_FILE = ROOT / "observations" / "holdout_2025-26.csv"

START = dt.date(2025, 10, 16)
# The calibration window: 16 Oct 2025 - 15 Feb 2026 inclusive; every later row is holdout (issue 13).
WINDOW_END = dt.date(2026, 2, 15)

# Constants of the conversions, each the model's own definition (docs/calibration.md), checked against the model
# by tests/test_observed.py so that a change there cannot silently desynchronise the data:
DISPUTED_KM2 = 136_000.0  # the five claimed regions (params.front.n_steps: 200 steps of 680 km2)
FRONT_START = 0.83  # initial.front
MISSILE_DRONE_EQUIVALENT = 4.0  # a missile worth about 4 drones (strikes.salvo_size: 595 + 4 * 48 = 787)
ENERGY_SHARE = 0.5  # initial.strikes_ru: 600 drone-equivalents on energy assumes about half of launches

RAW_COLUMNS = ("date", "variable", "quantity", "value", "sd", "period", "source", "note")
OUT_HEADER = ("date", "variable", "value", "sd", "event", "happened", "source")
EVENT_WORDS = {"true", "false"}


@dataclass(frozen=True)
class RawRow:
    line: int
    date: dt.date
    variable: str
    quantity: str
    value: str
    sd: float | None
    period: str
    source: str
    note: str


@dataclass(frozen=True)
class Converted:
    date: dt.date
    variable: str  # a state variable, or an event name when ``happened`` is set
    value: float | None
    sd: float | None
    happened: bool | None
    source: str

    @property
    def holdout(self) -> bool:
        return self.date > WINDOW_END


def read_raw(path: Path = RAW) -> list[RawRow]:
    """Read the raw file; every row needs a date, a variable, a quantity, a value and a source."""
    src = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read the raw observations ({exc.strerror})", source=src) from None
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError("no rows", source=src)
    header = next(csv.reader([lines[0][1]]))
    if tuple(header) != RAW_COLUMNS:
        raise ScenarioError(f"expected the header {','.join(RAW_COLUMNS)}", source=src, field=f"line {lines[0][0]}")
    rows = []
    for lineno, ln in lines[1:]:
        where = f"line {lineno}"
        cells = next(csv.reader([ln]))
        if len(cells) != len(RAW_COLUMNS):
            raise ScenarioError(f"expected {len(RAW_COLUMNS)} fields, got {len(cells)}", source=src, field=where)
        r = dict(zip(RAW_COLUMNS, (c.strip() for c in cells), strict=True))
        try:
            date = dt.date.fromisoformat(r["date"])
        except ValueError:
            raise ScenarioError(f"date: expected YYYY-MM-DD, got {r['date']!r}", source=src, field=where) from None
        for name in ("variable", "quantity", "value", "source"):
            if not r[name]:
                raise ScenarioError(f"{name}: missing (every row needs one)", source=src, field=where)
        if not r["source"].startswith(("http://", "https://")):
            raise ScenarioError(f"source: expected a URL, got {r['source']!r}", source=src, field=where)
        try:
            sd = float(r["sd"]) if r["sd"] else None
        except ValueError:
            raise ScenarioError(f"sd: expected a number, got {r['sd']!r}", source=src, field=where) from None
        rows.append(
            RawRow(lineno, date, r["variable"], r["quantity"], r["value"], sd, r["period"], r["source"], r["note"])
        )
    return rows


def days_in(period: str) -> int:
    """Days in a ``YYYY-MM`` month."""
    year, month = (int(x) for x in period.split("-"))
    return calendar.monthrange(year, month)[1]


def days_in_run(period: str, start: dt.date = START) -> int:
    """Days of a month on or after the scenario's start (all of them for a month after the start month)."""
    year, month = (int(x) for x in period.split("-"))
    first, n = dt.date(year, month, 1), days_in(period)
    last = first + dt.timedelta(days=n - 1)
    if last < start:
        return 0
    return (last - max(first, start)).days + 1


def rub_month_to_usd_week(rub_bn: float, rub_per_usd: float, period: str) -> float:
    """RUB bn in a month at a rouble rate -> $bn a week."""
    return rub_bn / rub_per_usd / (days_in(period) / 7)


def launches_to_strikes(drones: float, missiles: float, period: str) -> float:
    """Drones and missiles launched in a month -> drone-equivalents a week aimed at energy."""
    return (drones + MISSILE_DRONE_EQUIVALENT * missiles) / (days_in(period) / 7) * ENERGY_SHARE


def _need(q: dict[str, RawRow], variable: str, date: dt.date, src: str, *names: str) -> list[float]:
    """The values of the quantities ``names`` of one (date, variable) group, as numbers."""
    missing = [n for n in names if n not in q]
    if missing:
        raise ScenarioError(f"{variable} on {date}: needs also {', '.join(missing)}", source=src)
    out = []
    for n in names:
        try:
            out.append(float(q[n].value))
        except ValueError:
            raise ScenarioError(
                f"value: expected a number, got {q[n].value!r}", source=src, field=f"line {q[n].line}"
            ) from None
    return out


def convert(rows: list[RawRow], src: str = str(RAW)) -> list[Converted]:
    """Group the raw rows by (date, variable) and convert each group into one observation in the model's units."""
    groups: dict[tuple[dt.date, str], list[RawRow]] = defaultdict(list)
    for r in rows:
        groups[(r.date, r.variable)].append(r)
    out: list[Converted] = []
    front_km2 = 0.0
    for (date, variable), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        q = {r.quantity: r for r in group}
        if len(q) != len(group):
            raise ScenarioError(f"{variable} on {date}: a quantity is given twice", source=src)
        main = group[0]
        sources = " ; ".join(dict.fromkeys(r.source for r in group))

        sd = next((r.sd for r in group if r.sd is not None), None)
        if set(q) == {"event"}:
            word = main.value.lower()
            if word not in EVENT_WORDS:
                raise ScenarioError(f"value: expected true or false, got {main.value!r}", source=src)
            out.append(Converted(date, variable, None, None, word == "true", sources))
            continue
        if set(q) == {"pct"}:
            (value,) = _need(q, variable, date, src, "pct")
            value /= 100
        elif set(q) == {"mbd_russia", "mbd_total"}:
            russia, total = _need(q, variable, date, src, "mbd_russia", "mbd_total")
            value = russia / total
        elif set(q) == {"usd_bbl"}:
            (value,) = _need(q, variable, date, src, "usd_bbl")
        elif set(q) == {"usd_bbl_brent", "usd_bbl_urals"}:
            brent, urals = _need(q, variable, date, src, "usd_bbl_brent", "usd_bbl_urals")
            value = brent - urals
        elif set(q) == {"rub_bn_month", "rub_per_usd"}:
            rub, rate = _need(q, variable, date, src, "rub_bn_month", "rub_per_usd")
            value = rub_month_to_usd_week(rub, rate, q["rub_bn_month"].period)
            sd = 0.15 * value  # docs/observations.md: oil-and-gas against the model's oil revenue, monthly timing
        elif set(q) == {"drones_month", "missiles_month"}:
            drones, missiles = _need(q, variable, date, src, "drones_month", "missiles_month")
            value = launches_to_strikes(drones, missiles, q["drones_month"].period)
        elif set(q) == {"km2_month"}:
            period = q["km2_month"].period
            front_km2 += float(main.value) * days_in_run(period) / days_in(period)
            value = FRONT_START + front_km2 / DISPUTED_KM2
        else:
            raise ScenarioError(
                f"{variable} on {date}: no conversion for the quantities {', '.join(sorted(q))}",
                source=src,
                field=f"line {main.line}",
            )
        out.append(Converted(date, variable, value, sd, None, sources))
    return out


def render(rows: list[Converted], *, holdout: bool) -> str:
    """The observations file (docs/observations.md format, with a source column) for the window or the holdout."""
    buf = io.StringIO()
    what = "HOLDOUT: after the calibration window (after 15 Feb 2026)" if holdout else "the calibration window"
    buf.write(
        f"# GENERATED by python -m sim.calibrate.observed from observations/raw_2025-26.csv: {what}.\n"
        "# Do not edit: change the raw file (sources' units, a source on every row) and regenerate.\n"
        "# Units are the model's (docs/observations.md); sd is the measurement error argued there.\n"
    )
    if holdout:
        buf.write("# sim calibrate refuses to read this file: no parameter, prior or model form may be tuned on it.\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(OUT_HEADER)
    for r in rows:
        if r.holdout != holdout:
            continue
        if r.happened is None:
            assert r.value is not None
            sd = f"{r.sd:.4g}" if r.sd is not None else ""
            w.writerow([r.date.isoformat(), r.variable, f"{r.value:.6g}", sd, "", "", r.source])
        else:
            w.writerow([r.date.isoformat(), "", "", "", r.variable, str(r.happened).lower(), r.source])
    return buf.getvalue()


def build() -> dict[Path, str]:
    rows = convert(read_raw())
    return {WINDOW_FILE: render(rows, holdout=False), HOLDOUT_FILE: render(rows, holdout=True)}


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated files (atomically), or with --check exit 1 if they are out of date."""
    args = sys.argv[1:] if argv is None else argv
    outputs = build()
    if "--check" in args:
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"{p}: out of date; run python -m sim.calibrate.observed", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        write_atomic(path, text.encode("utf-8"))
        print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
