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

    @property
    def applicable(self) -> int:
        return self.passed + self.failed

    @property
    def pass_rate(self) -> float | None:
        """Over conversations with a pass or fail verdict; None when there are none."""
        return self.passed / self.applicable if self.applicable else None


def summarize(verdicts: Iterable[Verdict], order: list[str] | None = None) -> list[EvaluationSummary]:
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
    if unstable:
        table.add_column("unstable", justify="right")
    for s in summaries:
        rate = "—" if s.pass_rate is None else f"{s.pass_rate:.0%}"
        cells = [str(s.passed), str(s.failed), str(s.errors), str(s.not_applicable), str(s.applicable), rate]
        table.add_row(s.evaluation_id, *cells, *([str(s.unstable)] if unstable else []))
    table.caption = "pass rate = pass / applicable (pass + fail); errors and n/a are never counted as passes"
    return table
