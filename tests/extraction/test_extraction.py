"""Scenario extraction: validated profile, backend overrides checked against the snapshot, retries with the
problem shown, rejections with a reason, no PII in any prompt, diverse sampling, and the CLI end to end."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparring import ScriptedModel
from sparring.cli import app
from sparring.data_model import TokenUsage
from sparring.extraction import extract_scenarios, sample_transcripts
from sparring.models import MeteredModel
from sparring.models.schema import token_budget
from sparring.suite import load_scenarios
from sparring.testing import StubServer
from sparring.transcripts import read_transcripts
from sparring.transcripts.model import Transcript

runner = CliRunner(env={"COLUMNS": "250"})
CHAT = {
    "id": "h-1",
    "messages": [
        {"role": "user", "content": "I'm Ana Lima (ana.lima@mail.com, 415-555-0132). Order O-7001 is 70 min late!!"},
        {"role": "assistant", "content": "Sorry Ana! Paying by card 4111 1111 1111 1111? Let me check."},
        {"role": "user", "content": "yes. I want a full refund"},
    ],
}
RAW_PII = ("Ana", "Lima", "ana.lima", "415-555-0132", "4111")


ORDER = {
    "customer_id": "C-100",
    "restaurant_id": "R-1",
    "status": "delivered",
    "items": [{"name": "Pizza", "qty": 1, "price": 20.0}],
    "delivery_fee": 2.99,
    "total": 22.99,
    "placed_at": "now-2h",
    "promised_by": "now-100m",
    "payment": "card",
}
DELIVERY = {"order_id": "O-7001", "courier": "c", "events": [{"status": "delivered", "at": "now-30m"}]}


def changes(collection: str, record_id: str, record: dict, prefix: str = "") -> list[dict]:
    """A record as the answer's field changes (nested fields as dotted paths, list positions as numbers)."""
    out = []
    for key, value in enumerate(record) if isinstance(record, list) else record.items():
        if isinstance(value, (dict, list)):
            out += changes(collection, record_id, value, f"{prefix}{key}.")
        else:
            out.append({"collection": collection, "id": record_id, "field": f"{prefix}{key}", "value": value})
    return out


def answer(**updates) -> dict:
    data = {
        "title": "Party order very late",
        "traits": ["frustrated", "demanding"],
        "style": "exclamation marks",
        "patience": 2,
        "situation": "Your order arrived 70 minutes late and the food was cold.",
        "desired_outcome": "A full refund.",
        "known_facts": [{"key": "order number", "value": "O-7001", "reveal": "upfront"}],
        "unknown_facts": [],
        "tags": ["late", "refund"],
        "overrides": changes("orders", "O-7001", ORDER) + changes("deliveries", "D-7001", DELIVERY),
    }
    data.update(updates)
    return data


def chats_file(tmp_path: Path, *lines: dict) -> Path:
    file = tmp_path / "chats.jsonl"
    file.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return file


async def extract(example_suite, file, replies, retries=2):
    model = ScriptedModel(replies)
    transcripts = read_transcripts(file).transcripts
    results = await extract_scenarios(example_suite, transcripts, MeteredModel(model, TokenUsage()), retries=retries)
    return results, model


async def test_a_valid_extraction_becomes_a_scenario_and_no_prompt_holds_pii(example_suite, tmp_path):
    [result], model = await extract(example_suite, chats_file(tmp_path, CHAT), [answer()])
    scenario = result.scenario
    assert scenario is not None and scenario.id == "x-h-1" and scenario.persona.traits == ["frustrated", "demanding"]
    assert scenario.tags == ["late", "refund"]
    assert scenario.backend_overrides == {"orders": {"O-7001": ORDER}, "deliveries": {"D-7001": DELIVERY}}
    assert "h-1" in scenario.source
    prompt = model.requests[0].messages[0].content
    for raw in RAW_PII:
        assert raw not in prompt, raw
    assert "[NAME_1]" in prompt and "[EMAIL_1]" in prompt and "O-7001" in prompt
    assert '"orders"' in prompt and "orders.customer_id: customers" in prompt, "the snapshot's shape and references"
    schema = model.requests[0].response_schema
    assert schema["required"] == list(schema["properties"]) and schema["additionalProperties"] is False
    assert schema["properties"]["patience"]["enum"] == list(range(1, 11))
    collections = schema["properties"]["overrides"]["items"]["properties"]["collection"]["enum"]
    assert collections == sorted(example_suite.snapshot), "the suite's collections, as an enum"
    assert model.requests[0].max_tokens == token_budget(schema)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("not json at all", "no JSON object"),
        (answer(traits=[]), "traits"),
        (answer(tags=["late", "not-a-suite-tag"]), "tags.1: Input should be"),
        (answer(overrides=changes("parcels", "P-1", {"a": 1})), "overrides.0.collection: Input should be"),
        (
            answer(overrides=changes("orders", "O-7001", {"customer_id": "C-100"})),
            "backend_overrides.orders.O-7001: missing field(s) delivery_fee, items",
        ),
        (
            answer(overrides=answer()["overrides"] + changes("refunds", "RF-1", {"order_id": "O-9999"})),
            "O-9999",
        ),
        (answer(overrides=[]), "the customer knows order number O-7001, but orders has no record O-7001"),
        (
            answer(overrides=answer()["overrides"] + changes("orders", "O-7001", {"items": {"2": {"name": "x"}}})),
            "overrides[15] (orders O-7001 items.2.name): list position '2': positions are 0, 1, 2 ... in order",
        ),
        (
            answer(known_facts=[{"key": "order number", "value": "#O-7001", "reveal": "upfront"}]),
            "order number '#O-7001' is no record of orders",
        ),
    ],
)
async def test_a_bad_answer_is_retried_with_the_problem_then_accepted(example_suite, tmp_path, bad, problem):
    [result], model = await extract(example_suite, chats_file(tmp_path, CHAT), [bad, answer()])
    assert result.scenario is not None and result.attempts == 2
    retry = model.requests[1].messages
    assert retry[1].role == "assistant" and problem in retry[2].content


async def test_an_answer_that_never_fits_is_rejected_with_the_reason(example_suite, tmp_path):
    # A profile that never validates (an answer that fits except for backend records or facts is kept without
    # them: test_extraction_keeps.py).
    bad = answer(situation="short")
    [result], model = await extract(example_suite, chats_file(tmp_path, CHAT), [bad, bad, bad])
    assert result.scenario is None and len(model.requests) == 3
    assert result.problem.startswith("rejected after 3 attempts: situation: String should have at least 10")


def test_diverse_sampling_covers_each_kind_of_case_where_first_does_not():
    def chat(i, text):
        return Transcript(id=f"t{i}", turns=[{"role": "customer", "content": text}])

    late = [chat(i, f"my order is late again, still waiting, late delivery number {i}") for i in range(6)]
    missing = [chat(10 + i, "the garlic bread item is missing from the bag") for i in range(2)]
    rude = [chat(20 + i, "the courier was rude and threw the bag at the door") for i in range(2)]
    transcripts = late + missing + rude
    picked = sample_transcripts(transcripts, 3, "diverse")
    kinds = {("late" if int(t.id[1:]) < 10 else "missing" if int(t.id[1:]) < 20 else "rude") for t in picked}
    assert kinds == {"late", "missing", "rude"} and len(picked) == 3
    assert {int(t.id[1:]) for t in sample_transcripts(transcripts, 3, "first")} == {0, 1, 2}


def test_cli_extracts_over_a_real_http_model_and_show_prints_coverage(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    second = {"id": "h-2", "messages": [{"role": "user", "content": "Calmly: my order O-7001 is late, a second time."}]}

    def extractor(body):
        prompt = body["messages"][0]["content"]
        reply = answer(traits=["calm"]) if "second time" in prompt else answer()
        return {"content": json.dumps(reply)}

    out = tmp_path / "extracted"
    with StubServer(extractor) as server:
        args = ["scenarios", "extract", str(chats_file(tmp_path, CHAT, second)), "--suite", str(example_suite.root)]
        args += ["--out", str(out), "--model", "openai:stub", "--base-url", server.base_url]
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 of 2 transcripts became scenarios" in result.output
    files = sorted(out.glob("*.yaml"))
    assert [f.name for f in files] == ["x-h-1.yaml", "x-h-2.yaml"]
    assert files[0].read_text().startswith("# Extracted by sparring scenarios extract from transcript h-1")
    [(loaded, _doc, _path)] = load_scenarios(files[0])
    assert loaded.desired_outcome == "A full refund."
    for raw in RAW_PII:
        assert raw not in files[0].read_text()
    shown = runner.invoke(app, ["scenarios", "show", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "Coverage" in shown.output
    header = next(line for line in shown.output.splitlines() if line.startswith("┃ situation"))
    row = next(line for line in shown.output.splitlines() if line.startswith("│ late"))
    assert [c.strip() for c in header.split("┃")[2:4]] == ["calm", "frustrated"]
    assert [c.strip() for c in row.split("│")[2:4]] == ["1", "1"]


def test_cli_refuses_an_out_path_that_is_a_file(example_suite, tmp_path):
    taken = tmp_path / "scenarios.yaml"
    taken.write_text("keep me\n")
    args = ["scenarios", "extract", str(chats_file(tmp_path, CHAT)), "--suite", str(example_suite.root)]
    result = runner.invoke(app, [*args, "--out", str(taken)])
    assert result.exit_code == 2 and f"--out {taken}: is a file, not a folder" in result.output
    assert taken.read_text() == "keep me\n"
    under = runner.invoke(app, [*args, "--out", str(taken / "scenarios")])
    assert under.exit_code == 2 and f"--out {taken / 'scenarios'}: {taken} is a file, not a folder" in under.output


def test_cli_a_short_csv_row_stops_before_any_model_call_and_writes_nothing(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    chats = tmp_path / "chats.csv"
    chats.write_text("conversation_id,role,text\nc1,customer,my order O-2002 is late\nc1,agent\n")
    out = tmp_path / "extracted"
    requests = []
    with StubServer(lambda body: requests.append(body) or {"content": "{}"}) as server:
        args = ["scenarios", "extract", str(chats), "--suite", str(example_suite.root), "--out", str(out)]
        result = runner.invoke(app, [*args, "--model", "openai:stub", "--base-url", server.base_url])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {chats}:3: no text: the row has 2 of the 3 columns (conversation_id, role, text); "
        "a comma or a closing quote missing?"
    )
    assert requests == [] and not out.exists()
