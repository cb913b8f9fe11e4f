"""The stub world answers every structured request Sparring makes with a value its JSON schema accepts (judges,
the customer's analysis, extraction, discovery descriptions, and any other schema), so `discover`, its drafts and
`--accept`, and `scenarios extract` work offline against `python -m sparring.testing --suite` (a real stub server
on 127.0.0.1, the real CLI, a real SQLite file)."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
from typer.testing import CliRunner

from sparring.cli import app
from sparring.discovery.describe import DESCRIPTION_SCHEMA, Description, parse_description
from sparring.evaluations.judge import VERDICT_SCHEMA
from sparring.extraction.extractor import ScenarioExtractor
from sparring.models.base import MeteredModel
from sparring.simulator.simulator import ANALYSIS_SCHEMA
from sparring.suite import load_suite
from sparring.testing.structured import schema_instance
from sparring.testing.world import structured_answer

runner = CliRunner()
TRANSCRIPT = '[1] CUSTOMER: "My order O-2001 is an hour late."\n[2] AGENT: "I have refunded the delivery fee for you."'
SYNTHETIC = {
    "type": "object",
    "properties": {
        "maybe": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3, "maximum": 9}]},
        "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 2, "maxItems": 3},
        "code": {"type": "string", "minLength": 12, "maxLength": 14},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "kind": {"enum": ["a", "b"]},
    },
    "required": ["maybe", "items", "code", "ratio", "kind"],
    "additionalProperties": False,
    "$defs": {"Item": {"type": "object", "properties": {"flag": {"type": "boolean"}}, "required": ["flag"]}},
}


def body(name: str, schema: dict, prompt: str = TRANSCRIPT) -> dict:
    """A chat-completion request body as the OpenAI-compatible client sends a structured request."""
    response_format = {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
    return {"model": "stub", "messages": [{"role": "user", "content": prompt}], "response_format": response_format}


def schemas(suite) -> dict[str, dict]:
    """Every schema Sparring sends, by its name, plus a synthetic one with refs, unions and bounds."""
    extractor = ScenarioExtractor(suite, MeteredModel.__new__(MeteredModel))
    return {
        "verdict": VERDICT_SCHEMA,
        "customer_analysis": ANALYSIS_SCHEMA,
        "failure_description": DESCRIPTION_SCHEMA,
        "scenario": extractor.schema,
        "anything_else": SYNTHETIC,
    }


@pytest.mark.parametrize("name", ["verdict", "customer_analysis", "failure_description", "scenario", "anything_else"])
def test_every_structured_answer_is_valid_under_the_requests_schema(name, example_suite):
    schema = schemas(example_suite)[name]
    answer = structured_answer(body(name, schema))
    assert answer is not None, name
    jsonschema.validate(json.loads(answer["content"]), schema)
    jsonschema.validate(schema_instance(schema), schema)


def test_a_description_quotes_an_agent_turn_of_its_conversation():
    from sparring.data_model import AgentTurn, Conversation, CustomerTurn
    from sparring.discovery.candidates import Candidate

    conversation = Conversation(
        id="r:s:0",
        run_id="r",
        scenario_id="s",
        turns=[CustomerTurn(content="My order O-2001 is an hour late."), AgentTurn(content=TRANSCRIPT.split('"')[-2])],
    )
    prompt = TRANSCRIPT + "\n\nWhy this conversation was flagged:\n- evaluation late_refund_explained failed\n"
    answer = structured_answer(body("failure_description", DESCRIPTION_SCHEMA, prompt))
    assert answer is not None
    described = parse_description(
        answer["content"], Candidate(run_id="r", conversation=conversation, failed=[], signals=[])
    )
    assert described == Description(
        failure="The agent got this wrong: evaluation late_refund_explained failed",
        turn=2,
        quote="I have refunded the delivery fee",
    )


@pytest.fixture
def stub(suite_copy):
    """`python -m sparring.testing --suite SUITE` on a free port, as a user starts it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sparring.testing", "--suite", str(suite_copy), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(10)


def test_discover_its_drafts_accept_and_extract_work_against_the_stub_world(stub, suite_copy, tmp_path):
    db = str(tmp_path / "runs.db")
    models = ["--base-url", stub]
    ran = runner.invoke(
        app,
        ["run", str(suite_copy), "--db", db, "--model", "openai:stub", *models, "--label", "one", "--scenarios", "4"],
    )
    assert ran.exit_code == 0, ran.output
    found = runner.invoke(
        app, ["discover", "one", "--db", db, "--suite", str(suite_copy), "--judge-model", "openai:stub", *models]
    )
    assert found.exit_code == 0, found.output
    drafts = sorted((suite_copy / "evaluations" / "drafts").glob("*.yaml"))
    assert drafts, found.output
    draft = drafts[0].stem
    accepted = runner.invoke(
        app,
        [
            "discover",
            "--accept",
            draft,
            "--suite",
            str(suite_copy),
            "--db",
            db,
            "--judge-model",
            "openai:stub",
            *models,
            "--no-label",
        ],
    )
    assert accepted.exit_code == 0, accepted.output
    assert f"- use: {draft}" in (suite_copy / "suite.yaml").read_text()
    assert draft in {e.id for e in load_suite(suite_copy).evaluations}
    out = tmp_path / "extracted"
    transcripts = suite_copy / "transcripts" / "past_chats.jsonl"
    extracted = runner.invoke(
        app,
        [
            "scenarios",
            "extract",
            str(transcripts),
            "--suite",
            str(suite_copy),
            "--out",
            str(out),
            "--limit",
            "3",
            "--model",
            "openai:stub",
            *models,
        ],
    )
    assert extracted.exit_code == 0, extracted.output
    assert len(list(out.glob("*.yaml"))) == 3
