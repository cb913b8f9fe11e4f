"""What each viewer page shows, apart from how it is served: the template environment and, per page, the
context its template is rendered with. The live viewer (viewer/app.py) and the static export
(viewer/export.py) both render through these, so a page looks the same whether it is served or a file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import jinja2

from sparring.analysis import compare_outcomes, scenario_outcomes
from sparring.analysis.history import EvaluationHistory, history_report, plot_history
from sparring.analysis.informative import uninformative_line
from sparring.analysis.runs import run_report
from sparring.analysis.statistics import PAIRED_METHOD
from sparring.data_model import AgentTurn, Run
from sparring.store import Store

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "static" / "style.css"
PAGE_SIZE = 50


def percent(value: float | None) -> str:
    """A rate as a whole percentage ("80%"), or "—" when there is none."""
    return "—" if value is None else f"{value:.0%}"


def environment() -> jinja2.Environment:
    """The viewer's templates, autoescaped (as Starlette's own environment), with the helpers they use."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape())
    env.globals.update(pct=percent)
    return env


def pages(total: int, per_page: int) -> int:
    """How many pages `total` rows take, at least one."""
    return max(1, -(-total // per_page))


def run_page(store: Store, run: Run, others: list[Run], page: int = 1, per_page: int = PAGE_SIZE) -> dict[str, Any]:
    """run.html: the run's report (led by why its figures are not informative, when they are not), one page of
    its flagged conversations, links to compare with `others`."""
    flagged, total = store.flagged_conversations(run.id, per_page, (page - 1) * per_page)
    report = run_report(store, run)
    return {
        "run": run,
        "report": report,
        "uninformative": uninformative_line(report.uninformative),
        "flagged": flagged,
        "total": total,
        "suspects": store.suspect_counts(run.id, run.simulator_evaluation_ids)[0],
        "page": page,
        "pages": pages(total, per_page),
        "others": others,
    }


def conversation_page(store: Store, conversation_id: str) -> dict[str, Any]:
    """conversation.html: the transcript, its verdicts and human labels (`NotFound` when there is none)."""
    return {
        "conversation": store.conversation(conversation_id),
        "verdicts": store.conversation_verdicts(conversation_id),
        "labels": store.conversation_labels(conversation_id),
        "AgentTurn": AgentTurn,
    }


def compare_page(store: Store, run_a: Run, run_b: Run) -> dict[str, Any]:
    """compare.html: per evaluation, A against B paired by scenario (the test, BH q and detectable drop)."""
    comparisons = compare_outcomes(
        scenario_outcomes(store.scenario_outcome_rows(run_a.id)),
        scenario_outcomes(store.scenario_outcome_rows(run_b.id)),
        seed=run_b.seed,
        power=True,
    )
    tested = sum(c.p_value is not None for c in comparisons)
    return {"a": run_a, "b": run_b, "comparisons": comparisons, "method": PAIRED_METHOD, "tested": tested}


def history_page(store: Store, suite: str) -> dict[str, Any]:
    """history.html: pass rate per evaluation across the suite's completed runs."""
    return {"report": history_report(store, suite)}


def history_chart(histories: list[EvaluationHistory], suite: str) -> bytes:
    """The history chart as SVG: one line per evaluation, dips marked."""
    buffer = io.BytesIO()
    plot_history(histories, buffer, f"{suite}: pass rate per iteration", format="svg")
    return buffer.getvalue()
