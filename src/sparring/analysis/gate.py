"""Exit criteria: does a run meet the suite's gates? The answer drives `--gate` and JUnit output."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from sparring.analysis.report import EvaluationSummary
from sparring.analysis.statistics import EvaluationComparison
from sparring.evaluations import EvaluationSpec
from sparring.suite.config import GateConfig

# baseline label -> per-evaluation comparison of that baseline (A) with the run under test (B)
CompareWith = Callable[[str], list[EvaluationComparison]]


class GateResult(BaseModel):
    gate: str
    passed: bool
    detail: str
    evaluation_ids: list[str]  # the evaluations this result is about (for a failure: the ones that failed it)


def _scope(gate: GateConfig, specs: list[EvaluationSpec]) -> list[str]:
    if gate.evaluation:
        return [gate.evaluation]
    return [s.id for s in specs if not gate.family or s.family == gate.family]


def check_gates(
    gates: list[GateConfig],
    specs: list[EvaluationSpec],
    summaries: list[EvaluationSummary],
    compare_with: CompareWith,
) -> list[GateResult]:
    by_id = {s.evaluation_id: s for s in summaries}
    results = []
    for gate in gates:
        scope = [e for e in _scope(gate, specs) if e in by_id]
        if gate.min_pass_rate is not None:
            passed = sum(by_id[e].passed for e in scope)
            decided = sum(by_id[e].applicable for e in scope)
            if decided == 0:
                results.append(
                    GateResult(
                        gate=gate.describe(),
                        passed=False,
                        evaluation_ids=scope,
                        detail="no pass/fail verdict to judge (all errors or not applicable)",
                    )
                )
                continue
            rate = passed / decided
            results.append(
                GateResult(
                    gate=gate.describe(),
                    passed=rate >= gate.min_pass_rate,
                    evaluation_ids=scope,
                    detail=f"{rate:.1%} ({passed}/{decided})",
                )
            )
        else:
            baseline = gate.no_regression_vs or ""
            try:
                comparisons = compare_with(baseline)
            except LookupError as exc:
                results.append(
                    GateResult(
                        gate=gate.describe(),
                        passed=False,
                        evaluation_ids=scope,
                        detail=f"no baseline to compare with: {exc}",
                    )
                )
                continue
            regressed = [c for c in comparisons if c.evaluation_id in scope and c.verdict == "regressed"]
            detail = ", ".join(f"{c.evaluation_id} ({c.difference:+.1%}, p={c.p_value:.3f})" for c in regressed)
            # A failed regression gate is charged to the evaluations that regressed, not its whole scope.
            charged = [c.evaluation_id for c in regressed] or scope
            results.append(
                GateResult(
                    gate=gate.describe(),
                    passed=not regressed,
                    evaluation_ids=charged,
                    detail=detail or f"no significant regression vs {baseline}",
                )
            )
    return results
