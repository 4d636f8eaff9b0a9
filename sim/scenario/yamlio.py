"""Scenario files on disk: hardened safe YAML loading, ``extends:`` chains and ``--set`` overrides."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.levers import moved_path
from sim.scenario.messages import format_validation_error
from sim.scenario.schema import Scenario, move_levers
from sim.variant import derive

MAX_FILE_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_NODES = 200_000  # nodes after alias expansion
MAX_EXTENDS_DEPTH = 8


class _LimitedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses documents with many aliases (exponential 'billion laughs' expansion)."""

    aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases (possible alias-expansion attack)")
        return super().compose_node(parent, index)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """Every failure to build a value (``!!int abc``, ``!!timestamp x``, ``2025-13-45``) is a YAML error
        with the node's line and column, not a ValueError from deep inside PyYAML."""
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except Exception as exc:
            tag = str(node.tag).removeprefix("tag:yaml.org,2002:")
            value = node.value if isinstance(node, yaml.ScalarNode) else f"a {node.id}"
            why = "expected a date YYYY-MM-DD" if tag == "timestamp" else " ".join(str(exc).split())
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {value!r} as {tag} ({why})", node.start_mark
            ) from None


# YAML 1.1 (PyYAML) reads 1e-5 as a string: numbers in scientific notation without a dot are floats here.
_LimitedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def read_yaml(path: Path) -> dict[str, Any]:
    """Safe-load a YAML mapping with size and alias limits; ScenarioError naming the file on any problem."""
    src = str(path)
    if not path.exists():
        raise ScenarioError("no such file", source=src)
    if not path.is_file():
        raise ScenarioError("not a regular file", source=src)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"file is {size} bytes; the limit is {MAX_FILE_BYTES}", source=src)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", source=src) from None
    try:
        data = _safe_load_limited(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"malformed YAML: {yaml_problem(exc)}", source=src) from None
    if data is None:
        raise ScenarioError("empty file: expected a mapping", source=src)
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping at the top level, got {type(data).__name__}", source=src)
    return data


def yaml_problem(exc: yaml.YAMLError) -> str:
    """One line from a YAML error: ``line L, column C: problem``."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["unreadable"])[0]
    return " ".join(f"{where}{problem}".split())


def _duplicate_keys(node: yaml.Node, seen: set[int]) -> None:
    """Refuse a mapping that names a key twice (PyYAML keeps the last silently: a second ``events:`` block
    would drop the first one's events), naming the lines of both. Merge keys (``<<``) may be overridden."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                ident = (key.tag, key.value)
                line = key.start_mark.line + 1
                if ident in first:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {key.value!r} (lines {first[ident]} and {line}); a key may appear once",
                        key.start_mark,
                    )
                first[ident] = line
            _duplicate_keys(key, seen)
            _duplicate_keys(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _duplicate_keys(item, seen)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes the document would have once aliases are expanded (aliases share nodes, so memoise by id)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards recursive structures
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[key] = size
    return size


def _safe_load_limited(text: str) -> Any:
    """Safe-load one document, refusing exponential alias expansion before anything is constructed."""
    loader = _LimitedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_NODES:
            raise yaml.YAMLError(
                f"the document expands to more than {MAX_NODES} nodes through its aliases (alias-expansion attack?)"
            )
        _duplicate_keys(node, set())
        return loader.construct_document(node)
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None
    except yaml.YAMLError:
        raise
    except Exception as exc:  # anything else PyYAML lets through is still a problem with the text
        raise yaml.YAMLError(f"cannot read the document ({type(exc).__name__}: {exc})") from None
    finally:
        loader.dispose()


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in ``over`` replaces; ``null`` for a mapping entry deletes it
    (so a child scenario can drop an inherited policy or event)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        elif value is None and isinstance(out.get(key), dict):
            out.pop(key)
        else:
            out[key] = value
    return out


# ``extends:`` (and a sweep's ``base:``) are read relative to the file that names them, and must stay inside the
# directory of the file named on the command line or inside the working directory (docs/scenarios.md §1): a
# scenario file cannot make Leverage read, and then quote in an error, a file elsewhere on the machine.
# ``sim --allow-outside-paths`` (or setting this to True) lifts the rule for deliberate use.
ALLOW_OUTSIDE_PATHS = False


def reference_roots(named: Path) -> tuple[Path, ...]:
    """The directory trees a file named on the command line may refer into: its own directory and the
    working directory."""
    return (named.resolve().parent, Path.cwd().resolve())


def check_reference(referrer: Path, value: str, roots: tuple[Path, ...], field: str) -> Path:
    """The file ``value`` names, relative to ``referrer``; refused when it leaves every one of ``roots``."""
    target = (referrer.parent / value).resolve()
    if ALLOW_OUTSIDE_PATHS or any(target == r or r in target.parents for r in roots):
        return target
    shown = value if len(value) <= 60 else value[:57] + "..."
    raise ScenarioError(
        f"{shown!r} is outside {roots[0]} and the working directory; files may refer only into those trees "
        "(pass sim --allow-outside-paths to read it deliberately)",
        source=str(referrer),
        field=field,
    )


def _read_with_extends(
    path: Path, depth: int = 0, seen: tuple[Path, ...] = (), roots: tuple[Path, ...] | None = None
) -> dict[str, Any]:
    roots = roots if roots is not None else reference_roots(path)
    path = path.resolve() if path.exists() else path
    if path in seen:
        raise ScenarioError("extends: cycle through " + " -> ".join(str(p) for p in (*seen, path)), source=str(path))
    if depth > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"extends: deeper than {MAX_EXTENDS_DEPTH} levels", source=str(path))
    data = read_yaml(path)
    if isinstance(data.get("agents"), dict):  # levers named at their old agent (sim.levers.MOVED), file by file
        try:
            data["agents"] = move_levers(data["agents"])
        except ValueError as exc:
            raise ScenarioError(str(exc), source=str(path)) from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError("extends: expected a path to a scenario file", source=str(path), field="extends")
    base = _read_with_extends(check_reference(path, parent, roots, "extends"), depth + 1, (*seen, path), roots)
    # a child names itself: without a name of its own it must not write into its parent's results directory
    data.setdefault("name", Path(path).stem)
    return deep_merge(base, data)


def read_scenario_data(path: str | Path, roots: tuple[Path, ...] | None = None) -> dict[str, Any]:
    """The raw mapping of a scenario file with ``extends:`` merged, before validation (for sweeps: ``roots``
    are the sweep file's)."""
    return _read_with_extends(Path(path), roots=roots)


def set_path(
    data: dict[str, Any], path: str, value: Any, *, merge: bool = False, source: str | None = None, label: str = ""
) -> dict[str, Any]:
    """The one dotted-path writer (``--set``, a sweep's ``set:`` and its parameters): a copy of ``data`` with
    ``path`` set to ``value``, copied on write along the path; missing or null mappings on the way are
    created. As in a child file (``deep_merge``), ``null`` deletes a mapping entry (an inherited policy or
    event) and sets anything else to null; with ``merge`` a mapping merges key by key instead of replacing.
    numpy scalars become Python ones, as YAML would give them. ``label`` prefixes the error message."""
    path = moved_path(path)  # a lever named at its old agent (sim.levers.MOVED)
    keys = path.strip().split(".")
    if not all(keys):
        raise ScenarioError(f"{label}{path!r}: empty path component", source=source)
    out = dict(data)
    cursor = out
    for i, key in enumerate(keys[:-1]):
        nxt = cursor.get(key)
        if nxt is None:
            nxt = {}
        elif not isinstance(nxt, dict):
            raise ScenarioError(f"{label}{path}: {'.'.join(keys[: i + 1])} is not a mapping", source=source)
        cursor[key] = dict(nxt)
        cursor = cursor[key]
    last, value = keys[-1], _plain(value)
    if value is None and isinstance(cursor.get(last), dict):
        del cursor[last]  # null deletes a mapping entry, as in a child file (deep_merge)
    elif merge and isinstance(value, dict) and isinstance(cursor.get(last), dict):
        cursor[last] = deep_merge(cursor[last], value)
    else:
        cursor[last] = value
    return out


def _plain(value: Any) -> Any:
    """numpy scalars (a sweep design's values) to Python ones, so pydantic sees what YAML would give it."""
    item = getattr(value, "item", None)
    if item is not None and callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


def apply_override(data: dict[str, Any], assignment: str, source: str) -> dict[str, Any]:
    """Apply one ``dotted.path=value`` (value parsed as YAML) to a raw scenario mapping (``set_path``)."""
    if "=" not in assignment:
        raise ScenarioError(f"--set {assignment!r}: expected dotted.path=value", source=source)
    path, raw = assignment.split("=", 1)
    if not all(path.strip().split(".")):
        raise ScenarioError(f"--set {assignment!r}: empty path component", source=source)
    try:
        value = _safe_load_limited(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"--set {path}: cannot parse value {raw!r}: {yaml_problem(exc)}", source=source) from None
    return set_path(data, path, value, source=source, label="--set ")


def load_scenario(path: str | Path, overrides: typing.Sequence[str] = ()) -> Scenario:
    """Load, merge ``extends:``, apply ``--set`` overrides and validate a scenario file."""
    path = Path(path)
    data = _read_with_extends(path)
    if not overrides:
        return validate_scenario(data, str(path))
    # The file as written first (its own mistakes name the file, whatever the command line overrides), then
    # the overrides; overrides that change the model make a named variant (sim/variant.py).
    validate_scenario(data, str(path))
    if "name" not in data:
        data = {**data, "name": path.stem}
    for assignment in overrides:
        data = apply_override(data, assignment, str(path))
    return validate_scenario(derive(data, overrides), str(path), after="with the command line's overrides")


def validate_scenario(data: dict[str, Any], source: str, *, after: str = "") -> Scenario:
    """Validate a raw scenario mapping; ScenarioError naming ``source`` (and ``after``: what changed it)."""
    if "name" not in data:
        data = {**data, "name": Path(source).stem}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        where = f"{source} ({after})" if after and source else source
        raise ScenarioError(format_validation_error(exc, Scenario), source=where) from None
