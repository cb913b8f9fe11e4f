"""What each viewer page shows, apart from how it is served: the template environment and, per page, the
context its template is rendered with. The live viewer (viewer/app.py) and the static export
(viewer/export.py) both render through these, so a page looks the same whether it is served or a file.
Every figure comes from sparring.analysis; this module only picks what a page needs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jinja2

from sparring.analysis import (
    CI_LABEL,
    DEFAULT_MARGIN,
    OUTCOMES,
    SORT_KEYS,
    EvaluationHistory,
    Filters,
    RunOverview,
    build_run_page,
    comparison_view,
    history_agents,
    history_report,
    plot_history,
    same_scenario_elsewhere,
    scenario_sources,
    side_by_side,
    uninformative_line,
)
from sparring.data_model import AgentTurn, Run
from sparring.store import Store

if TYPE_CHECKING:
    from sparring.suite import Suite

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "static" / "style.css"
PAGE_SIZE = 50
SPARK_W, SPARK_H = 240, 70  # one small chart per evaluation on the history page (pixels)


def percent(value: float | None) -> str:
    """A rate as a whole percentage ("80%"), or "—" when there is none."""
    return "—" if value is None else f"{value:.0%}"


def spark_points(values: list[float | None]) -> list[tuple[float, float, float | None]]:
    """(x, y, value) pixel positions of a small chart's points: x spread evenly, y from 0 (bottom) to 100%."""
    step = (SPARK_W - 44) / max(1, len(values) - 1)  # 36 px left for the axis labels, 8 px right
    return [(36 + i * step, SPARK_H - 8 - (v or 0.0) * (SPARK_H - 16), v) for i, v in enumerate(values)]


def url_with(query: Any, **changes: Any) -> str:
    """A link to the same page with the query `query` (a mapping: the request's) changed by `changes` (None
    removes a key); the page number starts again at 1 unless it is one of the changes."""
    merged = {k: v for k, v in dict(query).items() if k != "page"}
    merged.update(changes)
    return "?" + urlencode({k: v for k, v in merged.items() if v is not None and v != ""})


def environment() -> jinja2.Environment:
    """The viewer's templates, autoescaped (as Starlette's own environment), with the helpers they use, each
    compiled here once: Jinja2 does not lock its compilation, so the first burst of concurrent requests would
    otherwise compile every template once per request thread; the template files are not checked for changes at
    each use (a stat per page)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(), auto_reload=False
    )
    env.globals.update(
        pct=percent, url_with=url_with, spark_points=spark_points, spark_w=SPARK_W, spark_h=SPARK_H, AgentTurn=AgentTurn
    )
    for name in env.list_templates():
        env.get_template(name)
    return env


def pages(total: int, per_page: int) -> int:
    """How many pages `total` rows take, at least one."""
    return max(1, -(-total // per_page))


def run_page(
    store: Store,
    run: Run,
    others: list[Run],
    page: int = 1,
    per_page: int = PAGE_SIZE,
    filters: Filters | None = None,
    suite: Suite | None = None,
    overview: RunOverview | None = None,
) -> dict[str, Any]:
    """run.html: the decision (gates), the report (led by why its figures are not informative, when they are
    not), trials, errors by cause, one page of the drill-down, links to compare with `others`."""
    filters = filters or Filters()
    data = build_run_page(store, run, filters, suite, per_page, (page - 1) * per_page, overview)
    return {
        "run": run,
        "data": data.overview,
        "drilldown": data.drilldown,
        "report": data.overview.report,
        "uninformative": uninformative_line(data.overview.report.uninformative),
        "filters": filters,
        "outcomes": OUTCOMES,
        "sort_keys": SORT_KEYS,
        "suspects": store.suspect_counts(run.id, run.simulator_evaluation_ids)[0],
        "page": page,
        "pages": pages(data.drilldown.total, per_page),
        "others": others,
    }


def conversation_page(store: Store, conversation_id: str, suite: Suite | None = None) -> dict[str, Any]:
    """conversation.html: the scenario's brief (with its suite), the transcript, the backend end-state diff,
    the verdicts and human labels, the same scenario in other runs (`NotFound` when there is none)."""
    conversation = store.conversation(conversation_id)
    scenarios = {s.id: s for s in suite.scenarios} if suite else {}
    labels = store.conversation_labels(conversation_id)
    return {
        "conversation": conversation,
        "scenario": scenarios.get(conversation.scenario_id),
        "suite_known": suite is not None,
        "verdicts": store.conversation_verdicts(conversation_id),
        "labels": labels,
        "labelled": {label.evaluation_id for label in labels},
        "elsewhere": same_scenario_elsewhere(store, conversation),
    }


def compare_page(
    store: Store, run_a: Run, run_b: Run, suite: Suite | None = None, margin: float = DEFAULT_MARGIN
) -> dict[str, Any]:
    """compare.html: what `sparring compare A B --json` computes (`comparison_view`), failing evaluations
    first; a simulated run beside an imported one is paired through the `suite`'s scenario sources, as
    `compare --suite` does."""
    view = comparison_view(store, run_a, run_b, scenario_sources(suite.scenarios) if suite else None, margin=margin)
    return {"a": run_a, "b": run_b, "view": view, "report": view.report, "ci_label": CI_LABEL}


def scenario_compare_page(store: Store, run_a: Run, run_b: Run, scenario_id: str, trial: int) -> dict[str, Any]:
    """compare_scenario.html: the same scenario in A and B side by side."""
    return {"a": run_a, "b": run_b, "pair": side_by_side(store, run_a.id, run_b.id, scenario_id, trial)}


def history_page(store: Store, suite: str, label: str = "", agent: str = "") -> dict[str, Any]:
    """history.html: pass rate per evaluation across the suite's completed runs (filtered by run label and
    agent), one small chart per evaluation."""
    report = history_report(store, suite, label=label, agent=agent)
    return {"report": report, "label": label, "agent": agent, "agents": history_agents(store, suite)}


def history_chart(histories: list[EvaluationHistory], suite: str) -> bytes:
    """The history chart as SVG: one line per evaluation, dips marked."""
    buffer = io.BytesIO()
    plot_history(histories, buffer, f"{suite}: pass rate per iteration", format="svg")
    return buffer.getvalue()
