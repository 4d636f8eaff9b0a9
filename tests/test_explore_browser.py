"""The lever explorer in a real browser: `sim explore` serves the page on a free port of 127.0.0.1, headless
Chromium (Debian's package, driven by Playwright without any browser download) opens it, moves one lever,
waits for the outcome numbers to change, and checks that the page logged no console error. A screenshot is
saved in the test's temporary directory."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path) and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], capture_output=True, timeout=900)
    if not os.path.exists(path):
        pytest.skip("no Chromium: Debian's chromium package could not be installed here")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"sim explore exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the explorer did not answer at {url} within {seconds:.0f} s")


def _settlement_row(page) -> str:  # type: ignore[no-untyped-def]
    rows = page.locator('[data-testid="stTable"] tr', has_text="settlement")
    return str(rows.first.inner_text(timeout=120_000))


def test_explorer_page_reacts_to_a_lever_in_headless_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the explore extra is not installed")
    pytest.importorskip("streamlit", reason="the explore extra is not installed")
    chromium = _chromium()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    sim_cmd = [sys.executable, "-m", "sim.cli"] if not shutil.which("sim") else [shutil.which("sim") or "sim"]
    env = dict(os.environ, HOME=str(tmp_path))  # Streamlit keeps its machine id under ~/.streamlit
    log = tmp_path / "explore.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [
                *sim_cmd,
                "explore",
                str(ROOT / "scenarios" / "baseline.yaml"),
                "--port",
                str(port),
                "--replicates",
                "1000",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
            start_new_session=True,
        )
    try:
        _wait_for(url, proc, log)
        errors: list[str] = []
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(url, wait_until="domcontentloaded")
                before = _settlement_row(page)
                assert "%" in before
                thumb = (
                    page.locator('[data-testid="stSlider"]', has_text="aid (")
                    .locator('input[type="range"], [role="slider"]')
                    .first
                )
                thumb.focus()
                thumb.press("Home")  # aid to 0: no US military aid from week 0
                deadline = time.monotonic() + 120
                after = before
                while time.monotonic() < deadline:
                    after = _settlement_row(page)
                    if (
                        after != before
                        and "starting scenario" in page.locator('[data-testid="stTable"]').first.inner_text()
                    ):
                        break
                    page.wait_for_timeout(300)
                assert after != before, "the outcome table did not change after the lever moved"
                page.wait_for_timeout(500)
                page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)
            finally:
                browser.close()
        assert (tmp_path / "explorer.png").stat().st_size > 10_000
        assert not errors, errors
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
