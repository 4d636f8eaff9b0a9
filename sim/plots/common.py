"""What every chart shares: the palette and outcome styles, the run facts a chart shows (``RunInfo``, read
from a results directory and its manifest), figure scaffolding (style, caption, date axes, event and horizon
markers, the key strip) and saving a figure to a file.

Every figure is built with the object-oriented API on an Agg canvas (no pyplot, no global state, no display),
uses the Okabe-Ito palette (safe for the common forms of colour blindness), names the scenario in its title,
puts units on every axis and dates on every time axis (the scenario's start date plus weeks), and carries a
caption with the replicates, seed and version.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import PercentFormatter

from sim.errors import ScenarioError
from sim.names import OUTCOMES, STATE_VARIABLES
from sim.observe.weighted import replicate_weights
from sim.provenance import read_manifest  # noqa: F401  (re-exported)

# Okabe & Ito (2008), "Color Universal Design": distinguishable under protanopia, deuteranopia, tritanopia.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#999999"
# Series colours in order (metrics in a sweep); yellow last, it is faint on white.
SERIES_COLOURS = ("#000000", "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
# Runs in a comparison: fixed colours per position, none of them an outcome's colour (outcomes are Okabe-Ito's
# green, blue, vermillion, purple, sky blue, orange and yellow), each with its own dash pattern so that six or
# more runs stay apart in grey print and for colour-blind readers (black, then Tol's indigo, olive, wine, a
# brown and rose).
RUN_COLOURS = ("#000000", "#332288", "#999933", "#882255", "#8C510A", "#CC6677", "#555555", "#44AA99")
RUN_DASHES: tuple[Any, ...] = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (3, 1, 1, 1, 1, 1)), (0, (9, 3)))


def run_colour(j: int) -> str:
    return RUN_COLOURS[j % len(RUN_COLOURS)]


def run_dash(j: int) -> Any:
    return RUN_DASHES[j % len(RUN_DASHES)]


# Outcomes: (label, colour). The outcomes themselves come from sim.names (the model's vocabulary); these are the
# plain-language labels and fixed colours of the ones we know, and a new outcome gets its name in words and the
# next free colour, so the charts follow the model when an outcome is added or renamed.
_KNOWN_OUTCOMES: dict[str, tuple[str, str]] = {
    "settlement": ("Settlement", OKABE_ITO["bluish_green"]),
    "ukraine_collapse": ("Ukraine collapses", OKABE_ITO["blue"]),
    "russia_collapse": ("Russia collapses", OKABE_ITO["vermillion"]),
    "escalation": ("Escalation (NATO-Russia)", OKABE_ITO["reddish_purple"]),
    "russia_takes_all": ("Russia takes all five regions", OKABE_ITO["sky_blue"]),
    "ukraine_retakes_all": ("Ukraine retakes all five regions", OKABE_ITO["orange"]),
    "ongoing": ("War still going at the horizon", GREY),
}
_SPARE_OUTCOME_COLOURS = (OKABE_ITO["yellow"], "#117733", "#AA4499", "#DDCC77")
# The order outcomes are listed in (a new one goes before "ongoing", which is always last).
_PREFERRED_ORDER = (
    "settlement",
    "ukraine_collapse",
    "russia_collapse",
    "russia_takes_all",
    "ukraine_retakes_all",
    "escalation",
)


def _outcome_styles() -> dict[str, tuple[str, str]]:
    styles: dict[str, tuple[str, str]] = {}
    spare = iter(_SPARE_OUTCOME_COLOURS * 3)
    for o in OUTCOMES:
        if o in _KNOWN_OUTCOMES:
            styles[o] = _KNOWN_OUTCOMES[o]
        else:
            words = o.replace("_", " ")
            styles[o] = (words[0].upper() + words[1:], next(spare))
    return styles


OUTCOME_STYLE: dict[str, tuple[str, str]] = _outcome_styles()
# Terminal outcomes in the preferred order, then any other of the model's, the war still going last.
OUTCOME_ORDER = (
    tuple(o for o in _PREFERRED_ORDER if o in OUTCOMES)
    + tuple(o for o in OUTCOMES if o not in _PREFERRED_ORDER and o != "ongoing")
    + tuple(o for o in OUTCOMES if o == "ongoing")
)
TERMINAL = tuple(o for o in OUTCOME_ORDER if o != "ongoing")


@dataclass(frozen=True)
class FanSpec:
    title: str
    ylabel: str
    percent: bool = False


def variable_words(variable: str) -> tuple[str, str]:
    """A state variable's label and unit from its declaration in sim.names (``"label, unit"``; the part after
    the last comma is the unit when there is one)."""
    desc = STATE_VARIABLES[variable][2]
    label, sep, unit = desc.rpartition(", ")
    if not sep:
        label, unit = desc, ""
    return label[0].upper() + label[1:], unit


def variable_spec(variable: str) -> FanSpec:
    """Title, axis label with its unit, and whether to show percentages, from the variable's declaration: a
    variable declared on [0, 1] that is a share is shown in %."""
    lo, hi, desc = STATE_VARIABLES[variable]
    title, unit = variable_words(variable)
    share = (lo, hi) == (0.0, 1.0) and ("share" in desc or "online" in desc)
    if share:
        unit = "% " + unit[len("share ") :] if unit.startswith("share of") else "%"
    elif not unit:
        unit = "index" if "pressure" in desc else ""
    return FanSpec(title, f"{title} ({unit})" if unit else title, share)


# The fan charts of a run: the state variables a briefing asks about (labels and units from sim.names).
FAN_SELECTION = ("front", "india_share", "revenue_ru", "buffer_ru", "refining_ru", "energy_deficit", "escalation")
FAN_VARIABLES: dict[str, FanSpec] = {v: variable_spec(v) for v in FAN_SELECTION if v in STATE_VARIABLES}

STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8,
    "figure.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "savefig.dpi": 150,
    "figure.dpi": 100,
    "axes.prop_cycle": cycler(color=list(SERIES_COLOURS)),
}
CAPTION_INCHES = 0.3
# Said of a conditioned run's fan of a variable whose weekly rows were copied from the prior run.
PRIOR_LABEL = "prior (unconditioned)"
FORMATS = ("png", "svg", "pdf")


# ---------------------------------------------------------------------------------------------------------
# What every chart of a run needs to know about it


@dataclass(frozen=True)
class EventMark:
    week: int
    label: str
    probability: float = 1.0


@dataclass(frozen=True)
class RunInfo:
    """The scenario facts a chart shows: its name, calendar, size, seed, version and events."""

    name: str
    start_date: dt.date
    horizon_weeks: int
    replicates: int
    seed: int
    version: str
    events: tuple[EventMark, ...] = ()
    initial_front: float | None = None
    # A conditioned run (sim condition): its effective sample size, and the variables whose weekly rows are
    # the prior's (no trajectory kept, so not conditioned). None and () for an ordinary run.
    ess: float | None = None
    weekly_unconditioned: tuple[str, ...] = ()
    # A variant (a run with --set overrides that change the model, sim/variant.py): its parent and overrides.
    derived_from: str = ""
    overrides: tuple[str, ...] = ()

    def date(self, week: float) -> dt.date:
        return self.start_date + dt.timedelta(weeks=float(week))

    def dates(self, weeks: Any) -> np.ndarray:
        return np.datetime64(self.start_date, "D") + np.asarray(weeks, dtype=np.int64) * np.timedelta64(7, "D")

    @property
    def weighted(self) -> bool:
        return self.ess is not None

    @property
    def caption(self) -> str:
        size = f"{self.replicates:,} replicates"
        if self.ess is not None:
            size += f" conditioned on observations (ESS {self.ess:,.0f})"
        text = (
            f"Leverage {self.version} · scenario '{self.name}' · {size} · seed "
            f"{self.seed} · {self.horizon_weeks} weeks from {self.start_date:%d %b %Y}"
        )
        if self.overrides:
            text += "\n" + _short(f"variant of '{self.derived_from}', overrides: {', '.join(self.overrides)}", 160)
        return text

    def unconditioned(self, variable: str) -> bool:
        """Whether ``variable``'s weekly rows in a conditioned run are copied from the prior."""
        return variable in self.weekly_unconditioned

    @classmethod
    def from_result(cls, result: Any, manifest: dict[str, Any] | None = None) -> RunInfo:
        from sim import __version__

        sc = result.scenario
        manifest = manifest or {}
        version = manifest.get("versions", {}).get("leverage-sim", __version__)
        marks = scenario_marks(sc)
        if restart := manifest.get("restart"):  # sim run --from --at: the restart date is marked like an event
            how = "one to one" if restart.get("mode") == "one to one" else "resampled by weight"
            marks.append(EventMark(int(restart["week"]), f"restart from {Path(restart['from']).name} ({how})"))
        events = tuple(sorted(marks, key=lambda e: (e.week, e.label)))
        front = sc.initial.front
        initial_front = float(front) if isinstance(front, int | float) else float(front.mean())
        w = outcome_weights(result.outcomes)
        ess = None
        if w is not None:
            from sim.observe import effective_sample_size

            ess = effective_sample_size(w)
        unconditioned = tuple(manifest.get("weekly_unconditioned") or ()) if w is not None else ()
        return cls(
            sc.name,
            sc.start_date,
            sc.horizon_weeks,
            len(result.outcomes),
            sc.seed,
            version,
            events,
            initial_front,
            ess,
            unconditioned,
            getattr(sc, "derived_from", ""),
            tuple(getattr(sc, "overrides", ())),
        )


def scenario_marks(sc: Any) -> list[EventMark]:
    """What the charts mark on the time axis: the scenario's events, and every change a schedule policy makes
    (``us.sanctions -> 0.5 (schedule tighten)``), in force in every replicate."""
    marks = [EventMark(ev.week, ev.label or name, ev.probability) for name, ev in sc.events.items()]
    agents = getattr(sc, "agents", None)
    for agent in type(agents).model_fields if agents is not None else ():
        spec = getattr(agents, agent)
        for pname, pol in getattr(spec, "policies", {}).items():
            if getattr(pol, "kind", "") != "schedule":
                continue
            for week, value in pol.at.items():
                shown = "null" if value is None else f"{value:g}"
                what = pol.label or pname
                marks.append(EventMark(int(week), f"{agent}.{pol.lever} -> {shown} (schedule: {what})"))
    return marks


def outcome_weights(outcomes: pd.DataFrame) -> np.ndarray | None:
    """The replicates' weights of a conditioned run (normalised to sum 1), or None for an ordinary run."""
    return replicate_weights(outcomes)


# ---------------------------------------------------------------------------------------------------------
# Figure scaffolding


@contextlib.contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(STYLE):  # type: ignore[arg-type]
        yield


def new_figure(width: float, height: float, bottom: float = 0.0) -> Figure:
    """A figure on an Agg canvas with constrained layout, space kept at the bottom for the caption (and
    ``bottom`` more inches, for a legend under the charts: ``legend_below``)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    engine: Any = fig.get_layout_engine()
    low = (CAPTION_INCHES + bottom) / height
    engine.set(rect=(0, low, 1, 1 - low))
    return fig


LEGEND_ROW_INCHES = 0.19


def legend_rows_inches(rows: int) -> float:
    return 0.15 + LEGEND_ROW_INCHES * rows if rows else 0.0


def legend_below(fig: Figure, handles: list[Any], labels: list[str], ncol: int) -> None:
    """A legend in the strip kept under the charts by ``new_figure(..., bottom=legend_rows_inches(rows))``:
    never on the data, never on the caption."""
    if not handles:
        return
    leg = fig.legend(
        handles,
        labels,
        loc="lower center",
        bbox_to_anchor=(0.5, (CAPTION_INCHES + 0.05) / fig.get_figheight()),
        ncol=ncol,
        frameon=False,
        fontsize=8,
        handlelength=3.2,
    )
    leg.set_in_layout(False)
    leg.set_gid("legend")


def finish(fig: Figure, title: str, caption: str) -> Figure:
    fig.suptitle(title, fontweight="bold")
    fig.text(
        0.5, 0.08 / fig.get_figheight(), caption, ha="center", va="bottom", fontsize=7, color="#555555", gid="caption"
    )
    return plain_text(fig)


def plain_text(fig: Figure) -> Figure:
    """Render every text of the figure as plain text, never as matplotlib math text: scenario names, event
    labels and run names come from users' files, and ``$\\foo$`` would otherwise fail at drawing time (after the
    simulation has run). Called by ``finish`` and again by ``save`` (for texts added later)."""
    for text in fig.findobj(Text):
        text.set_parse_math(False)  # type: ignore[attr-defined]
    return fig


def date_axis(ax: Axes, info: RunInfo | None = None) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    label = "date"
    if info is not None:
        label += f" (week 0 = {info.start_date:%d %b %Y})"
    ax.set_xlabel(label)


def _percent_axis(ax: Axes, axis: str = "y", decimals: int | None = None) -> None:
    fmt = PercentFormatter(1.0, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Beyond this many events a chart groups them: at most this many markers and key lines however many events
# the scenario has (drawing cost stays flat; the report's events table lists each one).
MAX_EVENT_MARKS = 12


@dataclass(frozen=True)
class EventGroup:
    """Events drawn as one marker: their numbers (1-based, in date order), first and last week, labels."""

    numbers: tuple[int, ...]
    first: int
    last: int
    labels: tuple[str, ...]
    probabilities: tuple[float, ...]

    @property
    def tag(self) -> str:
        return str(self.numbers[0]) if len(self.numbers) == 1 else f"{self.numbers[0]}-{self.numbers[-1]}"


def event_groups(events: Sequence[EventMark], limit: int = MAX_EVENT_MARKS) -> list[EventGroup]:
    """The markers of a chart: one per week with events while there are at most ``limit`` such weeks, else
    ``limit`` groups of consecutive weeks holding about the same number of events."""
    by_week: dict[int, list[int]] = {}
    for k, ev in enumerate(events):
        by_week.setdefault(ev.week, []).append(k)
    weeks = sorted(by_week)
    if len(weeks) <= limit:
        chunks = [[w] for w in weeks]
    else:
        cum = np.cumsum([len(by_week[w]) for w in weeks])
        cut = np.searchsorted(cum, np.linspace(0, cum[-1], limit + 1)[1:-1], side="left")
        edges = [0, *sorted({int(c) + 1 for c in cut}), len(weeks)]
        chunks = [weeks[i:j] for i, j in zip(edges[:-1], edges[1:], strict=True) if j > i]
    groups = []
    for chunk in chunks:
        idx = [k for w in chunk for k in by_week[w]]
        groups.append(
            EventGroup(
                tuple(k + 1 for k in idx),
                chunk[0],
                chunk[-1],
                tuple(events[k].label for k in idx),
                tuple(events[k].probability for k in idx),
            )
        )
    return groups


def event_key_lines(info: RunInfo) -> int:
    """Lines the event key needs: one per event up to MAX_EVENT_MARKS, else one per group."""
    n = len(info.events)
    return n if n <= MAX_EVENT_MARKS else len(event_groups(info.events))


def mark_events(ax: Axes, info: RunInfo) -> list[tuple[Line2D, str]]:
    """Draw each scenario event (and each step of a schedule) as a dotted vertical line with a numbered tag at
    the top of the axes (events of the same week share a tag, '1-3'); return key entries (handle, "n  date
    label") for ``draw_key``. With more than MAX_EVENT_MARKS events, consecutive weeks are grouped into at most
    that many shaded spans, each with one tag and one key line ("13-40  dates  28 events: first labels…")."""
    entries: list[tuple[Line2D, str]] = []
    span = max(info.horizon_weeks, 1)
    many = len(info.events) > MAX_EVENT_MARKS
    groups = event_groups(info.events)
    handle = Line2D([], [], color="#444444", lw=0.9, ls=":")
    for g in groups:
        if not many:
            for k, label, p in zip(g.numbers, g.labels, g.probabilities, strict=True):
                prob = "" if p >= 1 else f" (p = {p:g})"
                entries.append((handle, f"{k}  {info.date(g.first):%d %b %Y}  {_short(label, 62)}{prob}"))
        else:
            dates = f"{info.date(g.first):%d %b %Y}" + (f" – {info.date(g.last):%d %b %Y}" if g.last != g.first else "")
            what = f"{len(g.numbers)} events: " if len(g.numbers) > 1 else ""
            entries.append((handle, f"{g.tag}  {dates}  {_short(what + '; '.join(g.labels), 70)}"))
    last_week, level = -math.inf, 0
    for g in groups:
        x = info.dates([g.first])[0]
        if g.last != g.first:
            ax.axvspan(
                x, info.dates([g.last])[0], color="#444444", alpha=0.05, lw=0, zorder=1, gid=f"event-span-{g.first}"
            )
        ax.axvline(x, color="#444444", lw=0.9, ls=":", zorder=1, gid=f"event-week-{g.first}")
        # Tags of weeks less than 4% of the horizon apart are staggered, so their numbers never overlap.
        level = level + 1 if (g.first - last_week) < 0.04 * span else 0
        last_week = g.last
        ax.text(
            x,
            0.985 - 0.07 * (level % 2),
            g.tag,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=7,
            zorder=5,
            gid=f"event-tag-{g.first}",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#444444", "lw": 0.7},
        )
    return entries


def mark_horizon(ax: Axes, info: RunInfo) -> None:
    horizon = info.dates([info.horizon_weeks])[0]
    ax.axvline(horizon, color="black", lw=1.2, ls="--", gid="horizon")
    ax.text(
        horizon,
        1.01,
        f"horizon: week {info.horizon_weeks}",
        transform=ax.get_xaxis_transform(),
        ha="right",
        va="bottom",
        fontsize=7.5,
    )


def headroom(ax: Axes, share: float = 0.15) -> None:
    """Room above the data for the event tags."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + share * (hi - lo))


def figure_with_key(
    width: float, main_height: float, key_lines: int, ncols: int = 1, width_ratios: Sequence[float] | None = None
) -> tuple[Figure, list[Axes], Axes | None]:
    """A figure with ``ncols`` chart axes and, under them, a strip tall enough for ``key_lines`` lines of
    legend (the series and the scenario's events): legends there never hide data or event tags."""
    key_h = 0.25 + 0.16 * key_lines if key_lines else 0.0
    fig = new_figure(width, main_height + key_h + CAPTION_INCHES)
    gs = fig.add_gridspec(
        2 if key_h else 1, ncols, height_ratios=[main_height, key_h] if key_h else None, width_ratios=width_ratios
    )
    axes = [fig.add_subplot(gs[0, j]) for j in range(ncols)]
    key = None
    if key_h:
        key = fig.add_subplot(gs[1, :], gid="key")
        key.axis("off")
    return fig, axes, key


def draw_key(
    key: Axes | None,
    series: tuple[list[Any], list[str]] | None,
    events: list[tuple[Line2D, str]],
    split_inches: float = 2.9,
) -> None:
    """The series legend on the left of the key strip, the numbered events right of it."""
    if key is None:
        return
    x_events = 0.0
    split = split_inches / max(key.get_figure().get_figwidth() - 0.4, 1.0)  # type: ignore[union-attr]
    if series and series[0]:
        leg = key.legend(
            *series,
            loc="upper left",
            bbox_to_anchor=(0, 1),
            borderaxespad=0,
            frameon=False,
            title="series",
            title_fontsize=7.5,
            alignment="left",
        )
        key.add_artist(leg)
        leg.set_in_layout(False)
        x_events = split
    if events:
        # Each key line fits the strip (7.5 pt text is about 0.6 x 7.5 pt per character): never cut off.
        room = key.get_figure().get_figwidth() * (1 - x_events) - 0.9  # type: ignore[union-attr]
        limit = max(30, int(room * 72 / (0.6 * 7.5)))
        leg = key.legend(
            [h for h, _ in events],
            [t if len(t) <= limit else t[: limit - 1].rstrip() + "…" for _, t in events],
            loc="upper left",
            frameon=False,
            bbox_to_anchor=(x_events, 1),
            borderaxespad=0,
            fontsize=7.5,
            title="scenario events",
            title_fontsize=7.5,
            alignment="left",
            handlelength=1.5,
        )
        leg.set_in_layout(False)  # the strip's height is set for it; its width must not squeeze the chart


# ---------------------------------------------------------------------------------------------------------
# Saving


def save(fig: Figure, path: Path, fmt: str | None = None) -> Path:
    """Write ``fig`` to ``path`` at the style's resolution, every text plain; the format is ``path``'s suffix
    unless ``fmt`` is given (a temporary file of ``sim.files.atomic_file`` has none)."""
    fmt = fmt or path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise ScenarioError(f"unknown chart format {fmt!r}; expected one of {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed metadata: the same run gives byte-identical SVG and PDF files (no creation date).
    metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
    plain_text(fig)
    fig.savefig(path, format=fmt, metadata=metadata, dpi=STYLE["savefig.dpi"])
    return path


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ScenarioError(f"unknown chart format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt
