"""--force replaces only a directory Leverage wrote (issue 18): anything else is refused with one line, exit 2,
and every file in it is left byte for byte, with its modification time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CONDITIONING_OBSERVATIONS, SCENARIOS


def _precious(root: Path) -> Path:
    """A user's directory: files, a nested directory, a manifest.json that is not Leverage's."""
    d = root / "precious"
    (d / "nested").mkdir(parents=True)
    (d / "thesis.tex").write_text("\\section{Three years of work}\n", encoding="utf-8")
    (d / "nested" / "data.bin").write_bytes(bytes(range(256)) * 10)
    (d / "outcomes.parquet").write_bytes(b"not parquet, but mine")
    (d / "manifest.json").write_text('{"kind": "my own project", "owner": "me"}', encoding="utf-8")
    return d


def _snapshot(d: Path) -> dict[str, tuple[bytes | None, int]]:
    return {
        str(p.relative_to(d)): (p.read_bytes() if p.is_file() else None, p.stat().st_mtime_ns)
        for p in sorted(d.rglob("*"))
    } | {".": (None, d.stat().st_mtime_ns)}


def _sweep_file(root: Path) -> Path:
    f = root / "tiny.yaml"
    f.write_text(
        f"name: tiny\nbase: {SCENARIOS / 'baseline.yaml'}\nreplicates: 20\nsampler: grid\n"
        "parameters:\n  params.costs.scale: [1.0, 1.2]\nmetrics: [p_settlement]\n",
        encoding="utf-8",
    )
    return f


@pytest.mark.parametrize("command", ["run", "sweep", "condition"])
def test_force_never_replaces_a_directory_leverage_did_not_write(
    command: str, tmp_path: Path, run_cli, conditioned_pair
) -> None:
    d = _precious(tmp_path)
    before = _snapshot(d)
    if command == "run":
        args = ["run", str(SCENARIOS / "baseline.yaml"), "-n", "50", "--workers", "1", "--no-charts", "-q"]
    elif command == "sweep":
        args = ["sweep", str(_sweep_file(tmp_path)), "--workers", "1", "-q"]
    else:
        obs = tmp_path / "obs.csv"
        obs.write_text(CONDITIONING_OBSERVATIONS, encoding="utf-8")
        args = ["condition", str(conditioned_pair["prior"]), str(obs), "-q"]
    code, _out, err = run_cli(*args, "--out", str(d), "--force")
    assert code == 2
    assert err.strip() == (
        f"error: {d}: refusing to replace a directory Leverage did not write (no valid manifest.json); "
        "--force replaces only results directories; nothing was touched"
    )
    assert _snapshot(d) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_force_replaces_a_results_directory_and_an_empty_one(tmp_path: Path, run_cli) -> None:
    base = ["run", str(SCENARIOS / "baseline.yaml"), "-n", "50", "--workers", "1", "--no-charts", "-q"]
    out = tmp_path / "r"
    assert run_cli(*base, "--out", str(out))[0] == 0
    code, _o, err = run_cli(*base, "--out", str(out))
    assert code == 2 and err.strip() == f"error: {out}: results directory exists; pass --force to replace it"
    assert run_cli(*base, "--seed", "9", "--out", str(out), "--force")[0] == 0
    assert '"seed": 9' in (out / "manifest.json").read_text(encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli(*base, "--out", str(empty), "--force")[0] == 0
    assert (empty / "outcomes.parquet").is_file()


def test_out_that_cannot_be_a_results_directory(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    base = ["run", str(SCENARIOS / "baseline.yaml"), "-n", "50", "--workers", "1", "--no-charts", "-q"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mine.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "sub")
    for out in (".", "..", str(tmp_path)):
        code, _o, err = run_cli(*base, "--out", out, "--force")
        assert code == 2, out
        assert err.strip() == (
            f"error: {out}: is the working directory or contains it; choose a new subdirectory for --out"
        )
    assert (tmp_path / "sub" / "mine.txt").read_text(encoding="utf-8") == "mine"
    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    code, _o, err = run_cli(*base, "--out", str(plain / "r"))
    assert (
        code == 2 and err.strip() == f"error: {plain / 'r'}: {plain} is a file, not a directory; choose another --out"
    )
    link = tmp_path / "link"
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", link)
    code, _o, err = run_cli(*base, "--out", str(link), "--force")
    assert code == 2 and err.strip() == f"error: {link}: is a symbolic link; choose another --out"
    long = "x" * 300
    code, _o, err = run_cli(*base, "--out", long)
    assert code == 2 and "a path component is 300 bytes long, over the file system's 255" in err
    assert sorted(p.name for p in Path.cwd().iterdir()) == ["mine.txt"]
