"""The test items: one per gate (the run-level errors check first, then the suite's gates in order) and one
per evaluation, under one collector per suite. Each item asks the session's single run for its verdict."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sparring.pytest_plugin.outcome import SuiteOutcome

OutcomeSource = Callable[[], "SuiteOutcome"]


class SparringFailure(AssertionError):
    """A gate or an evaluation that failed: its message is the whole report (no traceback)."""


def slug(text: str) -> str:
    """A name -k can select: 'family policy: pass rate >= 90%' -> 'family_policy_pass_rate_90'."""
    return re.sub(r"\W+", "_", text).strip("_")


class SparringItem(pytest.Item):
    """An item whose verdict comes from the session's run (run on the first item that needs it)."""

    def __init__(self, *, source: OutcomeSource, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.add_marker("sparring")

    def problem(self, outcome: SuiteOutcome) -> str | None:
        """The failure message, None when the item passes."""
        raise NotImplementedError

    def runtest(self) -> None:
        """Fail with the problem's message; a run that could not happen fails every item with its reason."""
        from sparring.pytest_plugin.outcome import SparringRunError

        try:
            outcome = self.source()
        except SparringRunError as exc:
            raise SparringFailure(f"sparring run failed: {exc}") from None
        self.user_properties.append(("sparring_run", outcome.run.id))
        problem = self.problem(outcome)
        if problem:
            raise SparringFailure(problem)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """Our own failures as their message alone; anything else as pytest shows it."""
        if isinstance(excinfo.value, SparringFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """Where the item comes from: the suite folder."""
        return self.path, None, self.name


class GateItem(SparringItem):
    """One gate: its index in the run's gate results (0 is the run-level errors check, 1 the informative one)."""

    def __init__(self, *, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index

    def problem(self, outcome: SuiteOutcome) -> str | None:
        """The gate's outcome, description and detail when it failed or was inconclusive."""
        gate = outcome.gates[self.index]
        self.user_properties.append(("outcome", gate.outcome))
        return None if gate.passed else f"{gate.gate}: {gate.reason or gate.outcome} ({gate.detail})"


class EvaluationItem(SparringItem):
    """One evaluation: passes unless a gate covering it failed or too many of its verdicts errored."""

    def __init__(self, *, evaluation_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.evaluation_id = evaluation_id

    def problem(self, outcome: SuiteOutcome) -> str | None:
        """Pass rate, errors, failed gates and failing conversations, when the evaluation fails. Its corrected pass
        rate and calibration warnings go in a report section ("sparring judge calibration"), the corrected rate
        also in a user property (pytest's --junitxml writes them)."""
        summary = outcome.summaries.get(self.evaluation_id)
        if summary is not None:
            self.user_properties.append(("pass_rate", summary.rate_text()))
        corrected, _ = outcome.decision.calibration.for_evaluation(self.evaluation_id)
        if corrected is not None:
            self.user_properties.append(("corrected_pass_rate", corrected.text()))
        calibration = outcome.calibration_lines(self.evaluation_id)
        if calibration:
            self.add_report_section("call", "sparring judge calibration", "\n".join(calibration))
        return outcome.evaluation_problem(self.evaluation_id)


class SuiteCollector(pytest.Collector):
    """The items of one suite: gates first, then evaluations, in the suite's order."""

    def __init__(self, *, gates: Iterable[str], evaluation_ids: Iterable[str], source: OutcomeSource, **kwargs: Any):
        super().__init__(**kwargs)
        self.gates, self.evaluation_ids, self.source = list(gates), list(evaluation_ids), source

    def collect(self) -> list[pytest.Item]:
        """One GateItem per gate, one EvaluationItem per evaluation."""
        items: list[pytest.Item] = [
            GateItem.from_parent(self, name=f"gate[{slug(g)}]", index=i, source=self.source)
            for i, g in enumerate(self.gates)
        ]
        items += [
            EvaluationItem.from_parent(self, name=f"eval[{e}]", evaluation_id=e, source=self.source)
            for e in self.evaluation_ids
        ]
        return items
