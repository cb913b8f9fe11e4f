"""The settings reference (docs/reference.md), generated from the pydantic models that validate a suite: every key
of suite.yaml (agent, models, simulation, backend, gates, evaluations...), of an agent variant file, of a scenario
and of a suite's own evaluation, with its type, default, description and an example (taken from the demo suite
when it sets the key), plus the variables a judge prompt template can use. A test regenerates it and fails when
the committed file differs, so no key goes undocumented.

    python -m sparring.suite.reference --examples examples/food-delivery --out docs/reference.md
"""

from __future__ import annotations

import argparse
import json
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sparring.data_model import Scenario
from sparring.suite.config import AgentConfig, SuiteConfig
from sparring.suite.evaluations import CustomJudge

# What Judge.prompt gives a judge template (sparring.evaluations.template_validation.PROVIDED names the same set).
JUDGE_VARIABLES = {
    "transcript": "the conversation, one event a line: CUSTOMER / AGENT messages as quoted JSON strings, tool calls "
    "and BACKEND RESPONSE lines, turns numbered",
    "boundary": "a random tag the transcript lies between (`<{{ boundary }}>` ... `</{{ boundary }}>`), so text in "
    "the conversation cannot pretend to end it",
    "policy": "the policy text: the evaluation's `policy_file`, else the suite's `policy`",
    "criterion": "the evaluation's `criterion` (empty for a template-only judge)",
    "scenario": "the simulated customer's brief (persona, situation, desired outcome, facts, customer rules, must "
    "communicate, assertions); `(no scenario: a real conversation)` for imported transcripts",
}
EXAMPLE_WIDTH = 70  # characters of an example shown in the table
# (model, field) -> description, for fields whose model gives none; a key with neither fails the reference's test
DESCRIPTIONS = {
    ("SuiteConfig", "name"): "the suite's name: runs, history and `--suite` filters use it",
    ("SuiteConfig", "description"): "free text shown nowhere but the file",
    ("SuiteConfig", "backend"): "the mock backend each conversation runs against",
    ("SuiteConfig", "agent"): "the chatbot under test: the reference agent, an HTTP endpoint or a Python callable",
    ("SuiteConfig", "models"): "the model of each role (command-line flags win) and the price table",
    ("SuiteConfig", "simulation"): "how conversations are simulated and judged",
    ("SuiteConfig", "evaluations"): "the evaluations the suite enables, by id",
    ("SuiteConfig", "gates"): "exit criteria for `--gate`, `sparring gate` and the viewer's decision",
    ("SuiteConfig", "calibration"): "judge calibration thresholds",
    ("AgentConfig", "kind"): "reference: Sparring's own agent on `models.agent`; http: an OpenAI-compatible endpoint "
    "at `target`; python: a callable at `target`",
    ("AgentConfig", "max_tool_rounds"): "reference: tool-call rounds the agent may make before it must answer",
    ("ModelsConfig", "simulator"): "the simulated customer's model, `provider:model` (`--simulator-model` wins)",
    ("ModelsConfig", "agent"): "the reference agent's model (`--agent-model` wins)",
    ("ModelsConfig", "judge"): "the judges' model (`--judge-model` wins)",
    ("ModelsConfig", "base_url"): "an OpenAI-compatible server for the roles' models",
    ("Price", "input"): "US dollars per million prompt tokens",
    ("Price", "output"): "US dollars per million completion tokens",
    ("SimulationConfig", "max_turns"): "customer turns before a conversation ends as max_turns",
    ("SimulationConfig", "judge_retries"): "times a judge is asked again after an unusable answer (shown it)",
    ("GateConfig", "evaluation"): "the evaluation the gate is about (or give `family`)",
    ("GateConfig", "family"): "the family whose evaluations' verdicts the gate pools",
    ("GateConfig", "min_pass_rate"): "the lowest pass rate (0 to 1) that passes",
    ("GateConfig", "no_regression_vs"): "a baseline run's label: fail on a significant regression against it (Holm)",
    ("Scenario", "id"): "unique id of the scenario in the suite (any characters; shown in run and conversation ids)",
    ("Scenario", "title"): "a short human title (the viewer lists failing conversations by it)",
    ("Scenario", "persona"): "how the customer behaves",
    ("Persona", "patience"): "unhelpful agent turns the customer tolerates before giving up (1 to 10)",
    ("Scenario", "desired_outcome"): "what the customer wants by the end",
    ("Scenario", "known_facts"): "what the customer knows and when they say it",
    ("Fact", "key"): "what the fact is, e.g. `order number` (`backend.fact_ids` may tie it to a collection)",
    ("Fact", "value"): "its value, e.g. `O-2001`",
    ("Fact", "reveal"): "upfront: said in the first message; when_asked: only when the agent asks",
    ("Scenario", "tags"): "labels that evaluations' `applies_to` and the viewer's tag filter select by",
    ("Scenario", "backend_overrides"): "records laid over the backend snapshot for this scenario: collection -> id "
    "-> record (`now-2h` style times resolve against the clock)",
    ("ExpectedActions", "actions"): "the tool calls a correct run makes",
    ("ExpectedAction", "tool"): "the tool's name",
    ("ExpectedAction", "arguments"): "the arguments the call must have",
    ("ExpectedAction", "match"): "exact: arguments equal; subset: the listed arguments have these values",
    ("ExpectedActions", "ordered"): "the calls must happen in this order (others may come between)",
    ("ExpectedState", "records"): "collection -> record id -> fields that must have these values (`null`: the "
    "record must not exist)",
    ("ExpectedState", "replay_expected_actions"): "compare with the state that replaying `expected_actions` on a "
    "fresh backend produces",
    ("ExpectedState", "ignore"): "volatile fields left out of the comparison, `collection.field` (`*` for any "
    "collection)",
    ("OpeningTurn", "role"): "who said it",
    ("GivenToolCall", "arguments"): "the arguments the call was made with",
    ("CustomJudge", "id"): "the evaluation's id (lower case, digits, `_` and `-`); suite.yaml enables it by this id",
    ("CustomJudge", "kind"): "judge (only judges are defined in these files; checks are `@check` functions)",
    ("CustomJudge", "description"): "one line saying what the evaluation asks",
    ("CustomJudge", "family"): "its family (hallucination, policy, tool_use, communication, resolution, simulator, "
    "or your own): gates pool by family",
    ("CustomJudge", "policy_file"): "a policy file this judge reads instead of the suite's, relative to this file",
}


def type_name(annotation: Any) -> str:
    """A field's type as a reader writes it in YAML: `string`, `integer`, `list of string`, `one of: a, b`..."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        shown = [type_name(a) for a in args if a is not type(None)]
        return " or ".join(shown) + (" (or null)" if type(None) in args else "")
    if origin is list:
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping of {type_name(args[0])} to {type_name(args[1])}" if args else "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    names = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if annotation in names:
        return names[annotation]
    return {"Any": "any", "AwareDatetime": "date-time with time zone"}.get(getattr(annotation, "__name__", ""), "any")


def nested_model(annotation: Any) -> tuple[type[BaseModel], str] | None:
    """The model a field holds and how its keys continue the path ("." for an object, "[]." for a list of
    objects, ".NAME." for a mapping of objects); None for a plain value."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return nested_model(inner[0]) if len(inner) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, "."
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0], "[]."
    if origin is dict and len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
        return args[1], ".NAME."
    return None


def default_text(field: FieldInfo) -> str:
    """The default as YAML would write it, or "required"."""
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
    if value is PydanticUndefined:
        return "required"
    if isinstance(value, BaseModel):
        return "(see its keys)"
    return json.dumps(value, default=str, ensure_ascii=False)


def description(owner: type[BaseModel], name: str, field: FieldInfo) -> str:
    """The field's description, else the reference's own for it; "" when neither says anything."""
    return " ".join((field.description or DESCRIPTIONS.get((owner.__name__, name), "")).split())


class Row(typing.NamedTuple):
    """One key of the reference."""

    key: str
    type: str
    default: str
    description: str


def rows(model: type[BaseModel], prefix: str = "") -> Iterator[Row]:
    """Every key of `model` and of the models it holds, depth first, in declaration order."""
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        nested = nested_model(field.annotation)
        yield Row(key, type_name(field.annotation), default_text(field), description(model, name, field))
        if nested:
            yield from rows(nested[0], key + nested[1])


def lookup(documents: list[Any], key: str) -> Any:
    """The value the first document that sets `key` (a path with `.`, `[]` and `NAME` steps) gives it."""
    for document in documents:
        values = [document]
        for step in key.replace("[]", ".[]").split("."):
            values = [v2 for v in values for v2 in _step(v, step)]
        if values:
            return values[0]
    return None


def _step(value: Any, step: str) -> list[Any]:
    if step == "[]":
        return list(value) if isinstance(value, list) else []
    if step == "NAME":
        return list(value.values()) if isinstance(value, dict) else []
    return [value[step]] if isinstance(value, dict) and step in value else []


def example_text(value: Any) -> str:
    """An example value in one short line of YAML flow style."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_WIDTH else text[: EXAMPLE_WIDTH - 1] + "…"


def cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def table(model: type[BaseModel], documents: list[Any]) -> list[str]:
    """The Markdown table of a model's keys, with examples from `documents`."""
    lines = ["| key | type | default | description | example |", "|---|---|---|---|---|"]
    for row in rows(model):
        example = example_text(lookup(documents, row.key))
        shown = f"`{cell(example)}`" if example else "—"
        fields = (f"`{row.key}`", cell(row.type), f"`{cell(row.default)}`", cell(row.description), shown)
        lines.append("| " + " | ".join(fields) + " |")
    return lines


def yaml_documents(files: list[Path], key: str | None = None) -> list[Any]:
    """The YAML documents in `files` (the entries under `key`, or of a top-level list, one by one)."""
    found: list[Any] = []
    for file in files:
        data = yaml.safe_load(file.read_text())
        data = data.get(key, data) if key and isinstance(data, dict) else data
        found.extend(data if isinstance(data, list) else [data])
    return found


def sections(examples: Path | None) -> list[tuple[str, str, type[BaseModel], list[Any]]]:
    """(title, what it covers, model, example documents) per file kind."""

    def files(pattern: str) -> list[Path]:
        return sorted(examples.glob(pattern)) if examples else []

    return [
        ("suite.yaml", "The suite's settings (`sparring run SUITE` reads `SUITE/suite.yaml`).", SuiteConfig,
         yaml_documents(files("suite.yaml"))),
        ("Agent variant files", "The `agent:` section of suite.yaml, alone in a file (`--agent-config FILE`).",
         AgentConfig, yaml_documents(files("agents/*.yaml"))),
        ("Scenarios", "One entry of a scenario file (a list under `scenarios:`, in the folder suite.yaml's "
         "`scenarios` names). Unknown keys are errors.", Scenario, yaml_documents(files("scenarios/*.yaml"),
                                                                                   "scenarios")),
        ("A suite's own evaluations", "One entry of `evaluations/*.yaml`: a judge the suite defines and enables by "
         "id in suite.yaml's `evaluations`.", CustomJudge, yaml_documents(files("evaluations/*.yaml"))),
    ]  # fmt: skip


def reference(examples: Path | None = None) -> str:
    """The whole reference, as Markdown."""
    lines = [
        "# Settings reference",
        "",
        "Every key Sparring reads, generated from the models that validate it by "
        "`python -m sparring.suite.reference --examples examples/food-delivery --out docs/reference.md` "
        "(a test fails when this page and the models differ). Keys are paths: `a.b` is key `b` inside `a`, "
        "`a[].b` is `b` in each item of the list `a`, `a.NAME.b` is `b` in each entry of the mapping `a`. "
        "Examples come from the demo suite (`examples/food-delivery`) where it sets the key.",
    ]
    for title, intro, model, documents in sections(examples):
        lines += ["", f"## {title}", "", intro, "", *table(model, documents)]
    lines += [
        "",
        "## Judge prompt template variables",
        "",
        "A judge's `prompt` template (Jinja2; it may extend `judge.j2` and fill its `question` and `guidance` "
        "blocks) can use these variables; any other name is an error when the suite loads.",
        "",
        "| variable | what it holds |",
        "|---|---|",
        *(f"| `{{{{ {name} }}}}` | {cell(text)} |" for name, text in JUDGE_VARIABLES.items()),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Print the reference, or write it to `--out`."""
    parser = argparse.ArgumentParser(prog="python -m sparring.suite.reference", description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=Path, help="a suite folder whose files give the examples")
    parser.add_argument("--out", type=Path, help="write here instead of printing")
    args = parser.parse_args(argv)
    text = reference(args.examples)
    if args.out:
        args.out.write_text(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
