"""Judging observations against the catalogue, and the two backends against each other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .catalogue import Catalogue, Context
from .results import Cell, Column, Observation, Outcome, Status
from .targets import Target

__all__ = ["Agreement", "agreements", "judge", "judge_all"]

_OUTCOME_STATUS = {
    Outcome.NOT_RUN: Status.NOT_RUN,
    Outcome.BUILD_FAILED: Status.BUILD_FAILED,
    Outcome.CRASHED: Status.CRASHED,
    Outcome.TIMED_OUT: Status.TIMED_OUT,
    Outcome.BAD_OUTPUT: Status.BAD_OUTPUT,
}


def judge(
    catalogue: Catalogue, target: Target, obs: Observation, python: tuple[int, ...] | None = None
) -> Cell:
    """Compare one observation with the probe's documented expectation."""
    probe = catalogue.probes[obs.probe]
    ctx = Context(target, obs.column.backend, obs.column.environment, python)
    exp = probe.expectation(ctx)
    expected = exp.describe() if exp else ""
    cite = exp.cite if exp else ()
    note = exp.note if exp else ""
    if obs.outcome is not Outcome.OK:
        status = _OUTCOME_STATUS[obs.outcome]
    elif exp is None:
        status = Status.UNDOCUMENTED
    elif exp.accepts(obs.value):
        status = Status.AGREES
    else:
        status = Status.DEVIATES
    return Cell(obs, status, expected, cite, note)


def judge_all(
    catalogue: Catalogue,
    targets: dict[str, Target],
    observations: Iterable[Observation],
    python: tuple[int, ...] | None = None,
) -> list[Cell]:
    return [judge(catalogue, targets[o.column.target], o, python) for o in observations]


@dataclass(frozen=True)
class Agreement:
    """The native and the pure-Python value of one probe on one target."""

    probe: str
    target: str
    environment: str
    native: Cell
    python: Cell

    @property
    def comparable(self) -> bool:
        return (
            self.native.observation.outcome is Outcome.OK
            and self.python.observation.outcome is Outcome.OK
        )

    @property
    def agree(self) -> bool | None:
        if not self.comparable:
            return None
        return self.native.observation.value == self.python.observation.value

    @property
    def explanation(self) -> str:
        """Why the two differ, when the catalogue documents it."""
        if self.agree is not False:
            return ""
        if self.python.expected != self.native.expected and self.python.status is Status.AGREES:
            return self.python.note or "the catalogue documents a different value for Python"
        return ""


def agreements(cells: Iterable[Cell]) -> list[Agreement]:
    """Pair each pure-Python cell with the native cell of the same target."""
    by_column: dict[tuple[str, Column], Cell] = {}
    for cell in cells:
        by_column[(cell.observation.probe, cell.observation.column)] = cell
    pairs = []
    for (probe, column), cell in by_column.items():
        if column.backend != "python":
            continue
        native = by_column.get((probe, Column(column.target, "native", column.environment)))
        if native is not None:
            pairs.append(Agreement(probe, column.target, column.environment, native, cell))
    return pairs
