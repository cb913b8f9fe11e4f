"""Extraction keeps what validates (issue 28, item 9): an answer whose persona, situation and desired outcome are
valid but whose backend records or facts never fit (after the retries, each showing the problem) becomes a scenario
without them, each left out with its reason: in the result, the scenario file's header and the command's output."""

import json

from typer.testing import CliRunner

from extraction.test_extraction import CHAT, DELIVERY, ORDER, answer, changes, chats_file, extract
from sparring.cli import app
from sparring.suite import load_scenarios
from sparring.testing import StubServer

INVENTED = changes("refunds", "RF-1", {"order_id": "O-9999"})  # the answer's 16th and last allowed change


async def test_an_invented_record_is_left_out_and_the_rest_kept(example_suite, tmp_path):
    """Before: the transcript was rejected whole for the one record pointing at a missing order."""
    bad = answer(overrides=answer()["overrides"] + INVENTED)
    [result], model = await extract(example_suite, chats_file(tmp_path, CHAT), [bad, bad, bad])
    assert len(model.requests) == 3, "retried with the problem shown first"
    scenario = result.scenario
    assert scenario is not None and scenario.desired_outcome == "A full refund."
    assert scenario.backend_overrides == {"orders": {"O-7001": ORDER}, "deliveries": {"D-7001": DELIVERY}}
    assert [f.value for f in scenario.known_facts] == ["O-7001"]
    [note] = result.dropped
    assert "refunds.RF-1.order_id: points at orders record 'O-9999', which does not exist" in note


async def test_a_fact_naming_no_record_is_left_out_and_the_scenario_kept(example_suite, tmp_path):
    bad = answer(overrides=[])
    [result], _model = await extract(example_suite, chats_file(tmp_path, CHAT), [bad, bad, bad])
    assert result.scenario is not None and result.scenario.known_facts == []
    assert result.dropped == [
        "the customer knows order number O-7001, but orders has no record O-7001: add it to backend_overrides"
    ]


async def test_a_record_missing_fields_and_a_clashing_change_are_left_out(example_suite, tmp_path):
    clash = changes("orders", "O-7001", {"items": {"2": {"name": "x"}}})
    partial_order = changes("orders", "O-7002", {"customer_id": "C-100"})
    kept = changes("orders", "O-7001", ORDER)
    bad = answer(overrides=kept + clash + partial_order)
    [result], _model = await extract(example_suite, chats_file(tmp_path, CHAT), [bad], retries=0)
    assert result.scenario is not None
    assert result.scenario.backend_overrides == {"orders": {"O-7001": ORDER}}
    assert result.dropped[0].startswith(f"overrides[{len(kept)}] (orders O-7001 items.2.name): list position '2'")
    assert result.dropped[1].startswith("backend_overrides.orders.O-7002: missing field(s) delivery_fee")


def test_cli_reports_what_was_left_out_and_the_file_says_so(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    reply = {"content": json.dumps(answer(overrides=answer()["overrides"] + INVENTED))}
    out = tmp_path / "extracted"
    with StubServer(lambda _body: reply) as server:
        args = ["scenarios", "extract", str(chats_file(tmp_path, CHAT)), "--suite", str(example_suite.root)]
        result = CliRunner(env={"COLUMNS": "250"}).invoke(
            app, [*args, "--out", str(out), "--model", "openai:stub", "--base-url", server.base_url]
        )
    assert result.exit_code == 0, result.output
    assert "1 of 1 transcripts became scenarios" in result.output
    assert "left out of x-h-1 backend_overrides: refunds.RF-1.order_id: points at orders record 'O-9999'" in (
        result.output.replace("\n", "")
    )
    file = out / "x-h-1.yaml"
    assert "# left out (failed the backend check): backend_overrides: refunds.RF-1.order_id" in file.read_text()
    [(loaded, _doc, _path)] = load_scenarios(file)
    assert "refunds" not in loaded.backend_overrides
