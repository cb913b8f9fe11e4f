"""Strict scenarios and suites: every YAML object rejects unknown keys (file:line, did you mean), type
problems are told in words, all problems are listed one per line, and nothing runs or is written."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparring import SuiteError, load_suite
from sparring.cli import app
from sparring.suite import load_scenarios
from sparring.suite.loader import load_agent_config
from sparring.testing import StubServer

runner = CliRunner()

ONE_SCENARIO = """\
id: typo
situation: Your order is late.
desired_outcome: A refund.
known_facts:
  - {key: order number, value: O-2001}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def only_scenario(suite: Path, text: str) -> Path:
    """Make `text` the suite's only scenario file."""
    for file in (suite / "scenarios").glob("*.yaml"):
        file.unlink()
    return write(suite / "scenarios" / "one.yaml", text)


def test_a_misspelt_scenario_key_names_file_line_and_the_close_key(suite_copy):
    file = only_scenario(suite_copy, ONE_SCENARIO.replace("desired_outcome:", "desired_outcom:"))
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    lines = str(info.value).splitlines()
    assert (
        f"{file}:{line_of(file, 'desired_outcom:')}: unknown key 'desired_outcom' (did you mean 'desired_outcome'?)"
        in lines
    )
    assert len(lines) == 1  # the key it should have been is missing: the typo says why, once
    assert info.value.field == "desired_outcom"


def test_unknown_key_nested_in_persona_and_facts(tmp_path):
    text = ONE_SCENARIO.replace("known_facts:", "persona: {trait: [calm]}\nknown_facts:").replace(
        "value: O-2001}", "value: O-2001, revel: upfront}"
    )
    file = write(tmp_path / "s.yaml", text)
    with pytest.raises(SuiteError) as info:
        load_scenarios(file)
    assert str(info.value).splitlines() == [
        f"{file}:4: unknown key 'trait' (did you mean 'traits'?)",
        f"{file}:6: unknown key 'revel' (did you mean 'reveal'?)",
    ]
    assert info.value.field == "persona.trait"


def test_an_unknown_block_lists_the_allowed_keys(tmp_path):
    file = write(tmp_path / "s.yaml", ONE_SCENARIO + "gold_trajectory:\n  - refund\n")
    with pytest.raises(SuiteError, match=r"s.yaml:6: unknown key 'gold_trajectory' \(allowed: id, title, persona,"):
        load_scenarios(file)


def test_an_unquoted_comma_in_a_flow_mapping_is_explained(tmp_path):
    """The demo suite had this bug: `style: short, accusatory` silently dropped 'accusatory'."""
    text = ONE_SCENARIO.replace("known_facts:", "persona: {traits: [calm], style: short, accusatory}\nknown_facts:")
    file = write(tmp_path / "s.yaml", text)
    with pytest.raises(SuiteError) as info:
        load_scenarios(file)
    assert str(info.value) == (
        f"{file}:4: unknown key 'accusatory' (allowed: traits, style, patience); "
        "an unquoted comma inside {...} splits a value: quote the text"
    )


def test_a_key_beside_the_scenarios_list_is_unknown(tmp_path):
    text = "defaults: {tags: [late]}\nscenarios:\n" + "".join(
        f"  {line}\n" for line in ["- id: a", "  situation: s", "  desired_outcome: d"]
    )
    file = write(tmp_path / "s.yaml", text)
    with pytest.raises(SuiteError, match=r"s.yaml:1: unknown key 'defaults' \(allowed: scenarios\)$"):
        load_scenarios(file)


def test_a_key_given_twice_is_an_error_not_the_last_one_wins(tmp_path):
    file = write(tmp_path / "s.yaml", ONE_SCENARIO + "desired_outcome: A voucher.\n")
    with pytest.raises(
        SuiteError, match=r"s.yaml:6: desired_outcome: key 'desired_outcome' given twice in one mapping$"
    ):
        load_scenarios(file)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "desired_outcome: A refund.",
            "desired_outcome: A refund.\npersona: {patience: lots}",
            "persona.patience: must be a whole number, not text 'lots'",
        ),
        (
            "desired_outcome: A refund.",
            "desired_outcome: A refund.\npersona: {patience: 0}",
            "persona.patience: must be at least 1, not 0",
        ),
        (
            "value: O-2001}",
            "value: O-2001, reveal: later}",
            "known_facts[0].reveal: must be 'upfront' or 'when_asked', not 'later'",
        ),
        ("value: O-2001}", "value: 2001}", "known_facts[0].value: must be text, not a number 2001 (quote it in YAML)"),
        ("situation: Your order is late.", "situation: ''", "situation: must not be empty"),
        (
            "known_facts:\n  - {key: order number, value: O-2001}",
            "known_facts: {key: order number}",
            "known_facts: must be a list, not a mapping",
        ),
    ],
)
def test_type_problems_are_told_in_words(tmp_path, old, new, message):
    file = write(tmp_path / "s.yaml", ONE_SCENARIO.replace(old, new))
    with pytest.raises(SuiteError) as info:
        load_scenarios(file)
    assert str(info.value).split(": ", 1)[1] == message
    assert "type=" not in str(info.value) and "Input should" not in str(info.value)


def test_every_problem_of_every_scenario_file_is_listed_one_per_line(suite_copy):
    late, missing = suite_copy / "scenarios" / "late.yaml", suite_copy / "scenarios" / "missing.yaml"
    edit(late, "    desired_outcome: A full refund of the order.", "    desired_outcom: A full refund of the order.")
    edit(missing, "O-3001: {customer_id: C-100", "O-3001: {customer_id: C-999")
    edit(suite_copy / "scenarios" / "other.yaml", "    tags:", "    tag:")
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    lines = str(info.value).splitlines()
    assert len(lines) == 3, lines
    assert any(line.startswith(f"{late}:") and "did you mean 'desired_outcome'" in line for line in lines)
    assert any(line.startswith(f"{missing}:") and "C-999" in line for line in lines)
    assert any("unknown key 'tag' (did you mean 'tags'?)" in line for line in lines)


def test_suite_yaml_unknown_key_under_a_mapping_of_models(suite_copy):
    suite_yaml = suite_copy / "suite.yaml"
    edit(suite_yaml, "openai:gpt-4o: {input: 2.50, output: 10.00}", "openai:gpt-4o: {input: 2.50, ouput: 10.00}")
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    line = line_of(suite_yaml, "ouput: 10.00")
    assert str(info.value).splitlines()[0] == f"{suite_yaml}:{line}: unknown key 'ouput' (did you mean 'output'?)"


def test_agent_config_file_rejects_unknown_keys(tmp_path):
    file = write(tmp_path / "agent.yaml", "kind: reference\nmax_tool_round: 3\n")
    with pytest.raises(
        SuiteError, match=r"agent.yaml:2: unknown key 'max_tool_round' \(did you mean 'max_tool_rounds'\?\)$"
    ):
        load_agent_config(file)


def test_the_cli_stops_before_any_model_call_and_writes_nothing(suite_copy, tmp_path, monkeypatch):
    """The real path: `sparring run` against a real HTTP model server that counts requests."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    edit(
        suite_copy / "scenarios" / "late.yaml",
        "    desired_outcome: A full refund of the order.",
        "    desired_outcom: A full refund of the order.",
    )
    requests = []
    db = tmp_path / "out" / "runs.db"
    with StubServer(lambda body: requests.append(body) or {"content": "hi"}) as server:
        args = ["run", str(suite_copy), "--model", "openai:stub", "--base-url", server.base_url, "--db", str(db)]
        result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "unknown key 'desired_outcom' (did you mean 'desired_outcome'?)" in result.output
    assert "Traceback" not in result.output and "extra_forbidden" not in result.output
    assert requests == [] and not db.parent.exists()


def test_a_missing_key_without_a_typo_beside_it_is_still_told(tmp_path):
    file = write(tmp_path / "s.yaml", ONE_SCENARIO.replace("desired_outcome: A refund.\n", ""))
    with pytest.raises(SuiteError) as info:
        load_scenarios(file)
    assert str(info.value) == f"{file}:1: desired_outcome: required, but missing"


def test_scenarios_show_lists_the_problems_of_every_file(tmp_path):
    write(tmp_path / "a.yaml", ONE_SCENARIO.replace("desired_outcome:", "desired_outcom:"))
    write(tmp_path / "b.yaml", ONE_SCENARIO.replace("situation:", "situaton:"))
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["scenarios", "show", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: {tmp_path / 'a.yaml'}:3: unknown key 'desired_outcom' (did you mean 'desired_outcome'?)",
        f"{tmp_path / 'b.yaml'}:2: unknown key 'situaton' (did you mean 'situation'?)",
    ]
