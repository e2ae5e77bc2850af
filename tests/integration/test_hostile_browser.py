"""The hostile report in a real browser: headless Chromium loads it and runs what it would.

The same poisoned model as tests/unit/test_hostile.py is rendered; Chromium
parses the page, runs any script it finds and dumps the resulting DOM.  A
control page with a real script shows that the browser does run scripts, so
a clean dump of the report means nothing in it ran or was injected.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from matrix.report import write

from ..unit.test_hostile import HOSTILE, assert_no_injection, fresh, poison

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM after Chromium has loaded `page` and run its scripts."""
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=3000",
        "--dump-dom",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_chromium_runs_a_control_script(tmp_path):
    page = tmp_path / "control.html"
    page.write_text(
        "<!DOCTYPE html><title>before</title><img src=missing onerror=\"document.title='PWNED'\">"
    )
    assert "<title>PWNED</title>" in dump_dom(page, tmp_path / "profile")


def test_hostile_report_injects_nothing_in_chromium(tmp_path):
    page = tmp_path / "matrix.html"
    page.write_text(write.html(poison(fresh(), HOSTILE)), "utf-8")
    dom = dump_dom(page, tmp_path / "profile")
    assert "<title>portmatrix compatibility matrix</title>" in dom
    assert "PWNED</h1>" not in dom and "<script" not in dom and "<iframe" not in dom
    found = assert_no_injection(dom)
    assert "<script>document.title='PWNED'</script>" in "".join(found.text)
