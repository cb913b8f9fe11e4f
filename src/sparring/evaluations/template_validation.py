"""Check a judge's prompt template when the suite loads, not mid-run: every file it is made of must parse,
name no variable the judge does not provide, and render against a sample transcript. A problem is one
`file:line: problem` (TemplateProblem), raised before any run row is written or model called."""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2
import jinja2.meta
from jinja2 import nodes

from sparring.data_model import AgentTurn, Conversation, CustomerTurn, ToolCallRecord
from sparring.evaluations.judge import PROMPTS, Judge
from sparring.evaluations.spec import EvaluationSpec
from sparring.evaluations.transcript import render_transcript

PROVIDED = frozenset({"transcript", "boundary", "policy", "criterion", "scenario"})  # what Judge.prompt passes
_SAMPLE = Conversation(
    id="sample",
    run_id="sample",
    scenario_id="sample",
    turns=[
        CustomerTurn(content="My order O-1 never arrived."),
        AgentTurn(
            content="I am sorry; it shows as delivered.",
            tool_calls=[
                ToolCallRecord(id="t1", name="lookup_order", arguments={"order_id": "O-1"}, result={"status": "ok"})
            ],
        ),
    ],
)


class TemplateProblem(ValueError):
    """A judge template that cannot be used: names the file and, when known, the line."""

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        self.file, self.line, self.problem = file, line, " ".join(problem.split())  # one line
        super().__init__(f"{file}:{line}: {self.problem}" if line else f"{file}: {self.problem}")


def _parse_all(file: Path) -> dict[str, jinja2.nodes.Template]:
    """Every file the template is made of (itself and what it extends or includes), parsed: path -> AST."""
    loader = jinja2.FileSystemLoader([str(file.parent), str(PROMPTS)])
    env = jinja2.Environment(loader=loader)
    parsed: dict[str, nodes.Template] = {}
    pending = [(file.read_text(encoding="utf-8"), str(file))]
    while pending:
        source, path = pending.pop()
        try:
            tree = env.parse(source, filename=path)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(path, exc.lineno, f"Jinja syntax error: {exc.message}") from exc
        parsed[path] = tree
        for name in jinja2.meta.find_referenced_templates(tree):
            if name is None:
                continue  # a computed name: found when the sample is rendered
            try:
                referenced, referenced_path, _ = loader.get_source(env, name)
            except jinja2.TemplateNotFound as exc:
                raise TemplateProblem(path, _first_line(tree), f"template {name!r} not found") from exc
            if referenced_path and referenced_path not in parsed:
                pending.append((referenced, referenced_path))
    return parsed


def _first_line(tree: nodes.Template) -> int | None:
    return next((node.lineno for node in tree.find_all((nodes.Extends, nodes.Include))), None)


def _undefined_names(path: str, tree: nodes.Template) -> None:
    unknown = jinja2.meta.find_undeclared_variables(tree) - PROVIDED
    if unknown:
        name = sorted(unknown)[0]
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), None)
        provided = ", ".join(sorted(PROVIDED))
        raise TemplateProblem(path, line, f"undefined variable {name!r} (a judge template gets {provided})")


def _render_line(exc: Exception) -> int | None:
    """The line of the innermost template frame of a rendering error."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<template")]
    return frames[-1].lineno if frames else None


def check_judge_template(spec: EvaluationSpec) -> None:
    """Raise TemplateProblem when the judge's template does not parse, names an unknown variable, or fails to
    render against a sample transcript. Judges without a template file use the built-in frame: nothing to do."""
    if spec.kind != "judge" or not spec.template:
        return
    for path, tree in _parse_all(Path(spec.template)).items():
        _undefined_names(path, tree)
    try:
        Judge(spec, "sample policy").prompt(render_transcript(_SAMPLE))
    except jinja2.TemplateError as exc:
        raise TemplateProblem(spec.template, _render_line(exc), f"cannot render: {exc}") from exc
