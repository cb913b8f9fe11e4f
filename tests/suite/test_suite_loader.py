"""Bad input stops before any work with one message naming file, line and field."""

from pathlib import Path

import pytest

from sparring import SuiteError, load_suite


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_example_suite_loads(example_suite):
    assert len(example_suite.scenarios) >= 20 and len(example_suite.evaluations) >= 8
    assert {"judge", "check"} == {e.kind for e in example_suite.evaluations}


def test_malformed_yaml_names_file_and_line(suite_copy):
    suite_yaml = suite_copy / "suite.yaml"
    edit(suite_yaml, "  max_turns: 6", "  max_turns: [6")
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    assert info.value.file.endswith("suite.yaml") and info.value.line is not None
    assert "invalid YAML" in str(info.value)


def test_unknown_field_names_line_and_field(suite_copy):
    suite_yaml = suite_copy / "suite.yaml"
    edit(suite_yaml, "  max_turns: 6", "  max_turn: 6")
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    assert info.value.field == "simulation.max_turn"
    assert info.value.line == line_of(suite_yaml, "max_turn: 6")
    assert str(info.value).endswith(f"suite.yaml:{info.value.line}: unknown key 'max_turn' (did you mean 'max_turns'?)")


def test_custom_judge_with_a_misspelt_field_names_its_file_line_and_field(suite_copy):
    judges = suite_copy / "evaluations" / "quickbite.yaml"
    edit(judges, "  criterion: >-", "  criterio: >-")
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    assert info.value.file.endswith("quickbite.yaml") and info.value.field == "[0].criterio"
    assert info.value.line == line_of(judges, "criterio: >-")
    assert "unknown key 'criterio' (did you mean 'criterion'?)" in str(info.value)


def test_enabling_an_unknown_evaluation_suggests_the_close_ids(suite_copy):
    edit(suite_copy / "suite.yaml", "- use: credit_within_limits", "- use: credit_within_limit")
    expected = r"suite.yaml:\d+: evaluations\[5\].use: no evaluation 'credit_within_limit'.*did you mean credit_within_"
    with pytest.raises(SuiteError, match=expected):
        load_suite(suite_copy)


def test_scenario_with_bad_type_names_scenario_file_line_and_field(suite_copy):
    scenario_file = suite_copy / "scenarios" / "late.yaml"
    edit(scenario_file, "patience: 2}", "patience: lots}")
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    assert info.value.file.endswith("late.yaml")
    assert info.value.field == "scenarios[0].persona.patience"
    assert info.value.line == line_of(scenario_file, "patience: lots")


def test_override_pointing_at_missing_record_is_rejected(suite_copy):
    scenario_file = suite_copy / "scenarios" / "missing.yaml"
    edit(scenario_file, "O-3001: {customer_id: C-100", "O-3001: {customer_id: C-999")
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    assert info.value.file.endswith("missing.yaml")
    assert info.value.field == "scenarios[0].backend_overrides.orders.O-3001.customer_id"
    assert "C-999" in str(info.value) and info.value.line == line_of(scenario_file, "customer_id: C-999")


def test_invalid_snapshot_json_names_line(suite_copy):
    snapshot = suite_copy / "snapshot.json"
    edit(snapshot, '"tier": "plus"', '"tier": plus')
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    assert info.value.file.endswith("snapshot.json") and info.value.line == line_of(snapshot, '"tier": plus')


def test_duplicate_scenario_id(suite_copy):
    edit(suite_copy / "scenarios" / "other.yaml", "id: goodwill-credit-18min", "id: late-40min-fee")
    with pytest.raises(SuiteError, match="duplicate scenario id 'late-40min-fee'"):
        load_suite(suite_copy)


def test_missing_suite_folder():
    with pytest.raises(SuiteError, match="no suite.yaml"):
        load_suite("/nonexistent/suite")
