"""Pass rates per evaluation. Errors and not-applicable verdicts are counted apart, never as passes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel
from rich.table import Table

from sparring.data_model import Outcome, Verdict


class EvaluationSummary(BaseModel):
    evaluation_id: str
    passed: int = 0
    failed: int = 0
    errors: int = 0
    not_applicable: int = 0
    unstable: int = 0  # verdicts whose repeated judge samples disagreed (judge_samples > 1)
    suspect_failed: int = 0  # fail verdicts on conversations whose simulated customer failed its own checks
    suspect_passed: int = 0

    @property
    def trusted_pass_rate(self) -> float | None:
        """The pass rate without the suspect conversations (simulator mistakes, not the chatbot's)."""
        passed, failed = self.passed - self.suspect_passed, self.failed - self.suspect_failed
        return passed / (passed + failed) if passed + failed else None

    @property
    def applicable(self) -> int:
        return self.passed + self.failed

    @property
    def pass_rate(self) -> float | None:
        """Over conversations with a pass or fail verdict; None when there are none."""
        return self.passed / self.applicable if self.applicable else None


def suspect_conversations(verdicts: Iterable[Verdict], simulator_ids: Iterable[str]) -> set[str]:
    """Conversations where a simulator evaluation failed: their chatbot verdicts may be the simulator's fault."""
    ids = set(simulator_ids)
    return {v.conversation_id for v in verdicts if v.evaluation_id in ids and v.outcome == Outcome.FAIL}


def summarize(
    verdicts: Iterable[Verdict], order: list[str] | None = None, simulator_ids: Iterable[str] = ()
) -> list[EvaluationSummary]:
    """Counts per evaluation; with `simulator_ids`, chatbot verdicts on suspect conversations are also
    counted apart ("suspect (simulator)")."""
    verdicts = list(verdicts)
    simulator = set(simulator_ids)
    suspects = suspect_conversations(verdicts, simulator)
    counts: dict[str, EvaluationSummary] = defaultdict(lambda: EvaluationSummary(evaluation_id=""))
    field = {
        Outcome.PASS: "passed",
        Outcome.FAIL: "failed",
        Outcome.ERROR: "errors",
        Outcome.NOT_APPLICABLE: "not_applicable",
    }
    for verdict in verdicts:
        summary = counts[verdict.evaluation_id]
        summary.evaluation_id = verdict.evaluation_id
        name = field[verdict.outcome]
        setattr(summary, name, getattr(summary, name) + 1)
        summary.unstable += verdict.unstable
        if verdict.conversation_id in suspects and verdict.evaluation_id not in simulator:
            summary.suspect_failed += verdict.outcome == Outcome.FAIL
            summary.suspect_passed += verdict.outcome == Outcome.PASS
    ids = order or sorted(counts)
    return [counts[i] if i in counts else EvaluationSummary(evaluation_id=i) for i in ids]


def summaries_from_counts(counts: dict[str, dict[str, int]], order: list[str] | None = None) -> list[EvaluationSummary]:
    """Summaries from database counts (evaluation -> outcome -> n), for pages over large runs."""
    ids = order or sorted(counts)
    return [
        EvaluationSummary(
            evaluation_id=i,
            passed=counts.get(i, {}).get(Outcome.PASS.value, 0),
            failed=counts.get(i, {}).get(Outcome.FAIL.value, 0),
            errors=counts.get(i, {}).get(Outcome.ERROR.value, 0),
            not_applicable=counts.get(i, {}).get(Outcome.NOT_APPLICABLE.value, 0),
        )
        for i in ids
    ]


def summary_table(summaries: list[EvaluationSummary], title: str = "Pass rate per evaluation") -> Table:
    table = Table(title=title)
    table.add_column("evaluation", no_wrap=True)
    for column in ("pass", "fail", "error", "n/a", "applicable"):
        table.add_column(column, justify="right")
    table.add_column("pass rate", justify="right")
    unstable = any(s.unstable for s in summaries)
    suspect = any(s.suspect_failed or s.suspect_passed for s in summaries)
    if unstable:
        table.add_column("unstable", justify="right")
    if suspect:
        table.add_column("suspect (simulator) fails", justify="right")
        table.add_column("pass rate w/o suspect", justify="right")
    for s in summaries:
        rate = "—" if s.pass_rate is None else f"{s.pass_rate:.0%}"
        cells = [str(s.passed), str(s.failed), str(s.errors), str(s.not_applicable), str(s.applicable), rate]
        if unstable:
            cells.append(str(s.unstable))
        if suspect:
            trusted = "—" if s.trusted_pass_rate is None else f"{s.trusted_pass_rate:.0%}"
            cells += [str(s.suspect_failed), trusted]
        table.add_row(s.evaluation_id, *cells)
    table.caption = "pass rate = pass / applicable (pass + fail); errors and n/a are never counted as passes"
    return table
