"""Pass rate per evaluation across the iterations (runs) of a suite, as a table and as a chart."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Literal

from pydantic import BaseModel, Field

from sparring.analysis.pass_rates import summaries_from_counts
from sparring.analysis.run_reports import JSON_SCHEMA_VERSION
from sparring.data_model import Run, RunStatus
from sparring.store import Store

LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "P", "X", "*")


class HistoryPoint(BaseModel):
    """One evaluation's pass rate in one iteration (run)."""

    run_id: str
    label: str
    pass_rate: float | None
    errors: int = 0  # errored verdicts (conversations) of this evaluation in this run: shown beside the rate
    dip: bool  # lower than the previous iteration's pass rate


class EvaluationHistory(BaseModel):
    """One evaluation's pass rate across the iterations, oldest first."""

    evaluation_id: str
    points: list[HistoryPoint]


def agent_of(run: Run) -> str:
    """The chatbot a run tested, as its settings name it: the HTTP/Python target, else the model."""
    return run.settings.agent_target or run.settings.agent


def completed_runs(store: Store, suite: str, limit: int = 100, label: str = "", agent: str = "") -> list[Run]:
    """The suite's completed runs among its `limit` newest, oldest first; only those whose label contains
    `label` and whose agent is `agent`, when given."""
    runs = [r for r in reversed(store.list_runs(limit=limit, suite=suite)) if r.status == RunStatus.COMPLETED]
    return [r for r in runs if label in r.label and (not agent or agent_of(r) == agent)]


def history_agents(store: Store, suite: str, limit: int = 100) -> list[str]:
    """The agents the suite's completed runs tested (a filter's choices)."""
    return sorted({agent_of(r) for r in completed_runs(store, suite, limit)})


def evaluation_histories(
    store: Store,
    suite: str,
    evaluation_ids: list[str] | None = None,
    limit: int = 100,
    label: str = "",
    agent: str = "",
) -> list[EvaluationHistory]:
    """Completed runs of `suite`, oldest first (filtered as `completed_runs` does)."""
    runs = completed_runs(store, suite, limit, label, agent)
    counts = store.verdict_counts([r.id for r in runs])
    rates: dict[str, list[tuple[str, str, float | None, int]]] = {}
    for run in runs:
        for summary in summaries_from_counts(counts[run.id]):
            point = (run.id, run.label, summary.pass_rate, summary.errors)
            rates.setdefault(summary.evaluation_id, []).append(point)
    result = []
    for evaluation_id in sorted(rates):
        if evaluation_ids and evaluation_id not in evaluation_ids:
            continue
        points, previous = [], None
        for run_id, label, rate, errors in rates[evaluation_id]:
            dip = rate is not None and previous is not None and rate < previous
            points.append(HistoryPoint(run_id=run_id, label=label, pass_rate=rate, errors=errors, dip=dip))
            previous = rate if rate is not None else previous
        result.append(EvaluationHistory(evaluation_id=evaluation_id, points=points))
    return result


class HistoryReport(BaseModel):
    """`sparring history --json`: pass rate per evaluation across a suite's completed runs."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["history"] = "history"
    suite: str
    iterations: list[str] = Field(description="run labels, oldest first: the table's columns")
    evaluations: list[EvaluationHistory]


def iteration_labels(histories: list[EvaluationHistory]) -> list[str]:
    """The run labels of all histories in order of first appearance (oldest first), each once."""
    labels: dict[str, None] = {}
    for h in histories:
        labels.update((p.label, None) for p in h.points)
    return list(labels)


def history_report(
    store: Store, suite: str, evaluation_ids: list[str] | None = None, label: str = "", agent: str = ""
) -> HistoryReport:
    """The suite's history with its iterations listed once, for a table or `--json`."""
    histories = evaluation_histories(store, suite, evaluation_ids, label=label, agent=agent)
    return HistoryReport(suite=suite, iterations=iteration_labels(histories), evaluations=histories)


def plot_history(
    histories: list[EvaluationHistory], path: Path | BinaryIO, title: str, format: str | None = None
) -> None:
    """A PNG or SVG (by the file's suffix, or `format` for a file object): one line per evaluation, dips
    marked with red triangles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    histories = [h for h in histories if any(p.pass_rate is not None for p in h.points)]
    labels = iteration_labels(histories)
    figure, axes = plt.subplots(figsize=(max(6.0, 0.9 * len(labels) + 3) + 3.5, 4.8))
    colours = matplotlib.colormaps["tab20"](range(20))
    for i, h in enumerate(histories):  # distinct colours (20), then line styles and markers set them apart
        xs = [labels.index(p.label) for p in h.points if p.pass_rate is not None]
        ys = [p.pass_rate for p in h.points if p.pass_rate is not None]
        style = {"color": colours[i % 20], "linestyle": LINE_STYLES[i // 20 % 4], "marker": MARKERS[i % len(MARKERS)]}
        axes.plot(xs, ys, label=h.evaluation_id, **style)
        dip_x = [labels.index(p.label) for p in h.points if p.dip]
        dip_y = [p.pass_rate or 0.0 for p in h.points if p.dip]
        if dip_x:
            axes.scatter(dip_x, dip_y, marker="v", s=120, color="red", zorder=5)
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axes.set_ylim(-0.05, 1.05)
    axes.set_ylabel("pass rate")
    axes.set_title(title, loc="left")
    axes.text(
        1.0, 1.02, "▼ dip vs previous iteration", transform=axes.transAxes, ha="right", color="red", fontsize="small"
    )
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    figure.tight_layout()
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format=format)
    plt.close(figure)
