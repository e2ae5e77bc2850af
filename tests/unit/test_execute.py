"""The fault-isolating executor, driven with a real misbehaving program on any POSIX host.

tests/unit/programs/misbehave.py speaks portprobe's protocol and crashes,
hangs or floods its output on request; each fault must cost only its own
cell, with the reason, and every other probe must keep its value.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from matrix import platforms
from matrix.results import Column, How, Outcome
from matrix.run import execute
from matrix.run.base import Availability
from matrix.targets import Target

PROGRAM = Path(__file__).parent / "programs" / "misbehave.py"
TARGET = Target("host", "x86_64-linux-gnu.2.17", "linux", "x86_64", "glibc", "2.17", ("native",))
HOW = How("run", "test")
COLUMN = Column("host")

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the faults are POSIX signals")


class ScriptRunner:
    """Runs misbehave.py with this Python: a real child process, as any runner starts one."""

    name = "script"
    backend = "native"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env or {}

    def check(self, target: Target, host: platforms.Host) -> Availability:
        return Availability(True, version="1")

    def command(self, target: Target, program: Path) -> list[str]:
        return [sys.executable, str(program)]

    def environment(self, target: Target) -> dict[str, str]:
        return self.env


def run(*names: str, timeout: float = 5.0, runner=None, **kwargs):
    probes = [execute.Probed(n, timeout) for n in names]
    found = execute.run_probes(
        runner or ScriptRunner(), TARGET, PROGRAM, probes, HOW, COLUMN, **kwargs
    )
    return {o.probe: o for o in found}


@pytest.fixture(autouse=True)
def quick_startup(monkeypatch):
    # Python starts in well under a second; a hang need not cost a minute.
    monkeypatch.setattr(execute, "STARTUP_ALLOWANCE", 2.0)
    monkeypatch.setattr(execute, "MIN_STARTUP", 1.0)


def test_every_fault_costs_only_its_own_cell():
    cells = run("a.ok", "b.segv", "c.ok", "d.exit", "e.noise", "f.list", "g.ok", "h.silent", "i.ok")
    assert {k: o.outcome for k, o in cells.items()} == {
        "a.ok": Outcome.OK,
        "b.segv": Outcome.CRASHED,
        "c.ok": Outcome.OK,
        "d.exit": Outcome.CRASHED,
        "e.noise": Outcome.BAD_OUTPUT,
        "f.list": Outcome.BAD_OUTPUT,
        "g.ok": Outcome.OK,
        "h.silent": Outcome.BAD_OUTPUT,
        "i.ok": Outcome.OK,
    }
    assert cells["b.segv"].detail == "killed by SIGSEGV"
    assert cells["d.exit"].detail == "exit status 3"
    assert cells["e.noise"].detail == "unreadable output: 'junk before the result'"
    assert cells["f.list"].detail == "value of type list is not a scalar"
    assert cells["h.silent"].detail == "the program exited 0 without a result line"
    assert {cells[k].value for k in ("a.ok", "c.ok", "g.ok", "i.ok")} == {1}


def test_a_hang_times_out_at_its_own_limit_and_the_rest_still_run():
    cells = run("a.ok", "b.hang", "c.ok", timeout=1.5)
    assert cells["b.hang"].outcome is Outcome.TIMED_OUT
    assert cells["b.hang"].detail == "no result within 1.5 s"
    assert cells["c.ok"].outcome is Outcome.OK
    # The limit counts from the previous probe's line, not from the start
    # of the whole batch; the lone start-up allowance is the only addition.
    assert cells["b.hang"].seconds < 1.5 + execute.MIN_STARTUP + 2


def test_a_hang_as_first_probe_is_told_from_a_runner_that_does_not_start():
    cells = run("a.hang", "b.ok", timeout=1.0)
    assert cells["a.hang"].outcome is Outcome.TIMED_OUT
    assert cells["b.ok"].outcome is Outcome.OK


def test_a_hang_after_crashes_gets_a_short_start_up_allowance(monkeypatch):
    # A crash shows how fast the program starts; a later batch that begins
    # with a hang must not wait for the first start's generous allowance.
    monkeypatch.setattr(execute, "STARTUP_ALLOWANCE", 30.0)
    cells = run("a.segv", "b.exit", "c.hang", "d.ok", timeout=1.0)
    assert cells["c.hang"].outcome is Outcome.TIMED_OUT
    assert cells["c.hang"].seconds < 1.0 + execute.MIN_STARTUP + 2
    assert cells["d.ok"].value == 1


def test_output_beyond_the_limit_is_bad_output_and_not_read(monkeypatch):
    monkeypatch.setattr(execute, "MAX_OUTPUT", 1 << 20)
    cells = run("a.ok", "b.flood", "c.ok")
    assert cells["b.flood"].outcome is Outcome.BAD_OUTPUT
    assert "more than 1048576 bytes" in cells["b.flood"].detail
    assert cells["c.ok"].value == 1


def test_a_flood_on_stderr_keeps_only_its_tail():
    cells = run("a.stderr", "b.ok")
    assert cells["a.stderr"].outcome is Outcome.OK
    assert cells["b.ok"].outcome is Outcome.OK


def test_a_line_for_another_probe_is_not_believed():
    cells = run("a.forged", "x.ok")
    assert cells["x.ok"].value == 1  # its own run, not the 99 a.forged printed for it
    assert cells["a.forged"].outcome is Outcome.BAD_OUTPUT


def test_overlong_value_is_bad_output():
    assert run("a.long")["a.long"].outcome is Outcome.BAD_OUTPUT


def test_closed_output_then_hang_times_out():
    cells = run("a.ok", "b.closed", "c.ok", timeout=1.0)
    assert cells["b.closed"].outcome is Outcome.TIMED_OUT
    assert cells["c.ok"].outcome is Outcome.OK


def test_a_child_holding_the_output_open_does_not_hold_the_run():
    cells = run("a.orphan", "b.ok", timeout=3.0)
    assert cells["a.orphan"].outcome is Outcome.OK
    assert cells["b.ok"].outcome is Outcome.OK
    # The orphan sleeps 30 s with the pipe open; the run ended long before.
    assert cells["a.orphan"].seconds < 10


def test_a_program_that_cannot_start_gives_not_run(tmp_path):
    cells = run("a.ok", "b.ok", runner=MissingRunner())
    assert {o.outcome for o in cells.values()} == {Outcome.NOT_RUN}
    assert "could not start the program" in cells["a.ok"].detail


def test_a_runner_that_starts_but_fails_everything_gives_not_run():
    runner = ScriptRunner({"MISBEHAVE_LIST_STATUS": "7"})
    cells = run("a.segv", "b.segv", runner=runner)
    assert {o.outcome for o in cells.values()} == {Outcome.NOT_RUN}
    assert cells["a.segv"].detail == "script could not start the program: exit status 7"


def test_known_results_are_not_run_again():
    first = run("a.ok", "b.ok")
    seen = []
    again = run("a.ok", "b.ok", known={"a.ok": first["a.ok"]}, on_result=seen.append)
    assert [o.probe for o in seen] == ["b.ok"]
    assert again["a.ok"] is first["a.ok"]


class MissingRunner(ScriptRunner):
    def command(self, target: Target, program: Path) -> list[str]:
        return [str(program.parent / "no-such-program")]


@pytest.mark.parametrize(
    ("rc", "text"),
    [
        (-11, "killed by SIGSEGV"),
        (-6, "killed by SIGABRT"),
        (139, "exit status 139 (signal SIGSEGV)"),
        (3, "exit status 3"),
        (0xC0000005, "exit status 0xC0000005 (NTSTATUS)"),
    ],
)
def test_describe_exit(rc, text):
    assert execute.describe_exit(rc, "") == text
