"""extends: and a sweep's base: stay inside the named file's directory or the working directory (issue 18), and a
value from another file is quoted at most 40 characters long."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SCENARIOS


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    d = tmp_path / "elsewhere"
    d.mkdir()
    f = d / "secret.yaml"
    f.write_text("seed: correct-horse-battery-staple-and-a-long-password-too\n", encoding="utf-8")
    return f


def test_extends_outside_the_trees_is_refused(secret: Path, tmp_path: Path, run_cli, monkeypatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    child = project / "child.yaml"
    for ref in (str(secret), "../elsewhere/secret.yaml"):
        child.write_text(f"extends: {ref}\nname: child\n", encoding="utf-8")
        code, _out, err = run_cli("validate", str(child))
        shown = ref if len(ref) <= 60 else ref[:57] + "..."  # the path as written, cut short
        assert code == 2
        assert err.strip() == (
            f"error: {child}: extends: {shown!r} is outside {project} and the working directory; files may refer "
            "only into those trees (pass sim --allow-outside-paths to read it deliberately)"
        )
        assert "horse" not in err
    # deliberate use: the file is read, and its bad value quoted no more than 40 characters long
    code, _out, err = run_cli("--allow-outside-paths", "validate", str(child))
    assert code == 2 and "'correct-horse-battery-staple-and-a-l..." in err and "password" not in err
    code, _out, err = run_cli("validate", str(child))  # the flag does not stick
    assert code == 2 and "is outside" in err


def test_sweep_base_outside_the_trees_is_refused(secret: Path, tmp_path: Path, run_cli, monkeypatch) -> None:
    project = tmp_path / "project"
    (project / "sweeps").mkdir(parents=True)
    monkeypatch.chdir(project)
    sweep = project / "sweeps" / "s.yaml"
    sweep.write_text(
        f"base: {secret}\nsampler: grid\nparameters:\n  params.costs.scale: [1.0]\nreplicates: 10\n", encoding="utf-8"
    )
    code, _out, err = run_cli("sweep", str(sweep), "-w", "1", "-q", "-o", str(project / "out"))
    assert code == 2 and f"error: {sweep}: base: " in err and "is outside" in err and "horse" not in err
    # relative to the referring file, and inside the working directory: allowed (as the shipped sweeps do)
    (project / "base.yaml").write_text((SCENARIOS / "baseline.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    sweep.write_text(sweep.read_text(encoding="utf-8").replace(str(secret), "../base.yaml"), encoding="utf-8")
    code, _out, err = run_cli("sweep", str(sweep), "-w", "1", "-q", "-o", str(project / "out"))
    assert code == 0, err
