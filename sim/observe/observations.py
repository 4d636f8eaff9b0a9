"""Observations files (docs/observations.md): values of state variables on dates (``india_share`` on a date,
with an optional measurement ``sd``) and facts (``settlement`` by a date: false), read and validated against a
scenario's dates with errors that name the file and line; ``EVENTS``, the facts that can be checked in every
replicate.

Dates map to weeks through the scenario's start date: a date falls in week ``floor(days since start / 7)``,
the last simulated week that had ended by then.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sim.errors import ScenarioError
from sim.fields import parse_date
from sim.names import OUTCOMES, STATE_VARIABLES
from sim.scenario.messages import did_you_mean

MAX_OBSERVATIONS_BYTES = 10_000_000
# ``source`` (where the row comes from: a URL or a citation) is free text, kept for the reader and ignored here.
COLUMNS = ("date", "variable", "value", "sd", "event", "happened", "source")
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "1"}, {"false", "no", "0"}


@dataclass(frozen=True)
class EventKind:
    """A fact that can be checked in every replicate.

    ``outcome``: the replicate ended with this outcome (any, for ``ended``) on or before the date's week.
    ``counter``: the weekly state variable ``variable`` (cumulative, so monotone) is positive at the date's
    week; ``cumulative`` is its end-of-run column, which answers for replicates that never counted or had
    ended by then.
    ``level``: the weekly state variable ``variable`` is positive at the date's week.
    """

    kind: Literal["outcome", "counter", "level"]
    meaning: str
    outcome: str | None = None
    variable: str | None = None
    cumulative: str | None = None


EVENTS: dict[str, EventKind] = {
    **{
        name: EventKind("outcome", f"the war had ended in {name.replace('_', ' ')} by the date", outcome=name)
        for name in OUTCOMES
        if name != "ongoing"
    },
    "ended": EventKind("outcome", "the war had ended, with any outcome, by the date"),
    "tomahawks_delivered": EventKind(
        "counter",
        "at least one Tomahawk had been delivered to Ukraine by the date",
        variable="tomahawks_delivered",
        cumulative="cum.tomahawks_delivered",
    ),
    "talks": EventKind(
        "counter", "talks had been held at least once by the date", variable="talks_held", cumulative="cum.talks_held"
    ),
    # The lever is recorded weekly as the state variable ``penalty_tariff`` (keep it with --trajectories).
    "penalty_tariff": EventKind(
        "level", "the US penalty tariff on India for Russian oil was in force at the date", variable="penalty_tariff"
    ),
}


@dataclass(frozen=True)
class ValueObservation:
    """A state variable's value on a date; ``sd`` is its measurement error (None: the default tolerance)."""

    line: int
    date: dt.date
    week: int
    variable: str
    value: float
    sd: float | None = None


@dataclass(frozen=True)
class EventObservation:
    """Whether a fact held on a date (see EVENTS)."""

    line: int
    date: dt.date
    week: int
    event: str
    happened: bool


@dataclass(frozen=True)
class Observations:
    path: str
    sha256: str
    values: tuple[ValueObservation, ...]
    events: tuple[EventObservation, ...]

    def __len__(self) -> int:
        return len(self.values) + len(self.events)


def date_to_week(date: dt.date, start: dt.date, horizon: int) -> int:
    """The week a date falls in: ``floor(days since start / 7)``, within [0, horizon]."""
    days = (date - start).days
    if days < 0:
        raise ValueError(f"date {date} is before the scenario's start date {start}")
    if days > 7 * horizon:
        end = start + dt.timedelta(weeks=horizon)
        raise ValueError(f"date {date} is after the horizon (week {horizon}, {end})")
    return days // 7


def read_observations(path: str | Path, start: dt.date, horizon: int) -> Observations:
    """Read and validate an observations file against a scenario's dates; errors name the file and line."""
    path = Path(path)
    src = str(path)
    try:
        # a FIFO would block and /dev/zero never end: only a regular file is read, and never past the limit
        if not stat.S_ISREG(path.stat().st_mode):
            raise ScenarioError("not a regular file (a FIFO, a device or a directory)", source=src)
        with path.open("rb") as f:
            raw = f.read(MAX_OBSERVATIONS_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("no such observations file", source=src) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the observations file ({exc.strerror})", source=src) from None
    if len(raw) > MAX_OBSERVATIONS_BYTES:
        raise ScenarioError(f"observations file larger than {MAX_OBSERVATIONS_BYTES:,} bytes", source=src)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError("expected a UTF-8 text file", source=src) from None

    # Whole-line comments ('#' as the first non-blank character) and blank lines are skipped; line numbers in
    # messages are those of the file.
    lines = [
        (i, ln) for i, ln in enumerate(text.splitlines(), start=1) if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not lines:
        raise ScenarioError("no observations (the file is empty or has only comments)", source=src)
    header_line, header_text = lines[0]
    header = [h.strip().lower() for h in next(csv.reader([header_text]))]
    for h in header:
        if h not in COLUMNS:
            raise ScenarioError(
                f"unknown column {h!r}{did_you_mean(h, COLUMNS)}; expected columns " + ", ".join(COLUMNS),
                source=src,
                field=f"line {header_line}",
            )
    if len(set(header)) != len(header):
        raise ScenarioError("a column is named twice in the header", source=src, field=f"line {header_line}")
    has_values = {"variable", "value"} <= set(header)
    has_events = {"event", "happened"} <= set(header)
    if "date" not in header or not (has_values or has_events):
        raise ScenarioError(
            f"expected a header with date, variable, value[, sd] and/or date, event, happened; got {', '.join(header)}",
            source=src,
            field=f"line {header_line}",
        )
    if len(lines) == 1:
        raise ScenarioError("no observations (the file has a header and no rows)", source=src)

    values: list[ValueObservation] = []
    events: list[EventObservation] = []
    for lineno, row_text in lines[1:]:
        where = f"line {lineno}"
        cells = next(csv.reader([row_text]))
        if len(cells) > len(header):
            raise ScenarioError(
                f"expected {len(header)} fields ({', '.join(header)}), got {len(cells)}", source=src, field=where
            )
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        try:
            date = parse_date(row["date"])
        except ValueError as exc:
            raise ScenarioError(f"date: {exc}", source=src, field=where) from None
        try:
            week = date_to_week(date, start, horizon)
        except ValueError as exc:
            raise ScenarioError(str(exc), source=src, field=where) from None
        variable, event = row.get("variable", ""), row.get("event", "")
        if variable and event:
            raise ScenarioError(
                "a row is either a variable (variable, value[, sd]) or an event (event, happened), not both",
                source=src,
                field=where,
            )
        if variable:
            values.append(_value_row(row, variable, date, week, src, lineno))
        elif event:
            events.append(_event_row(row, event, date, week, src, lineno))
        else:
            raise ScenarioError("expected a variable or an event on the row", source=src, field=where)
    digest = hashlib.sha256(raw).hexdigest()
    return Observations(src, digest, tuple(values), tuple(events))


# A decimal number as people write it: 0.8, -3, 1e-5, .5 (not Python's 0_8, which float() reads as 8).
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _number(text: str, name: str, src: str, lineno: int) -> float:
    if not NUMBER.fullmatch(text) and text.lower().lstrip("+-") not in ("nan", "inf", "infinity"):
        raise ScenarioError(f"{name}: expected a number, got {text!r}", source=src, field=f"line {lineno}")
    x = float(text)
    if not math.isfinite(x):
        raise ScenarioError(f"{name}: expected a finite number, got {text!r}", source=src, field=f"line {lineno}")
    return x


def _value_row(row: dict[str, str], variable: str, date: dt.date, week: int, src: str, lineno: int) -> ValueObservation:
    where = f"line {lineno}"
    if variable not in STATE_VARIABLES:
        hint = (
            " (that is an event: put it in the event column)"
            if variable in EVENTS
            else did_you_mean(variable, STATE_VARIABLES)
        )
        raise ScenarioError(
            f"unknown variable {variable!r}{hint}; expected a state variable: " + ", ".join(STATE_VARIABLES),
            source=src,
            field=where,
        )
    if row.get("happened"):
        raise ScenarioError("happened is for event rows; a variable row has value[, sd]", source=src, field=where)
    if not row.get("value"):
        raise ScenarioError(f"value: missing for variable {variable!r}", source=src, field=where)
    value = _number(row["value"], "value", src, lineno)
    sd = None
    if row.get("sd"):
        sd = _number(row["sd"], "sd", src, lineno)
        if sd <= 0:
            raise ScenarioError(f"sd: expected a positive number, got {row['sd']!r}", source=src, field=where)
    return ValueObservation(lineno, date, week, variable, value, sd)


def _event_row(row: dict[str, str], event: str, date: dt.date, week: int, src: str, lineno: int) -> EventObservation:
    where = f"line {lineno}"
    if event not in EVENTS:
        hint = (
            " (that is a state variable: put it in the variable column)"
            if event in STATE_VARIABLES
            else (did_you_mean(event, EVENTS))
        )
        raise ScenarioError(
            f"unknown event {event!r}{hint}; expected one of " + ", ".join(EVENTS), source=src, field=where
        )
    if row.get("value") or row.get("sd"):
        raise ScenarioError("value and sd are for variable rows; an event row has happened", source=src, field=where)
    word = row.get("happened", "").lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ScenarioError(
            f"happened: expected true or false, got {row.get('happened', '')!r}", source=src, field=where
        )
    return EventObservation(lineno, date, week, event, word in TRUE_WORDS)
