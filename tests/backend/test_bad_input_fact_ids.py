"""`backend: {fact_ids: {order number: orders}}`: a scenario's known order number must be a record of
the scenario's backend (snapshot plus overrides), or the suite does not load."""

from pathlib import Path

import pytest

from sparring import SuiteError, load_suite
from sparring.backend import fact_key, missing_fact_ids
from sparring.data_model import Fact


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_the_demo_declares_order_numbers_and_every_one_exists(example_suite):
    assert example_suite.config.backend.fact_ids == {"order number": "orders"}
    numbers = [f for s in example_suite.scenarios for f in s.known_facts if f.key == "order number"]
    assert len(numbers) >= 20


def test_an_order_number_absent_from_the_backend_names_file_line_and_field(suite_copy):
    late = suite_copy / "scenarios" / "late.yaml"
    edit(late, "{key: order number, value: O-2002}", "{key: order number, value: O-9999}")
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    line = line_of(late, "O-9999")
    assert str(info.value) == (
        f"{late}:{line}: scenarios[1].known_facts[0].value: order number 'O-9999' is no record of orders "
        "(neither in the snapshot nor in this scenario's backend_overrides)"
    )


def test_without_the_declaration_the_same_fact_is_accepted(suite_copy):
    """The check is opt-in: a suite that does not say which facts are ids is not second-guessed."""
    edit(
        suite_copy / "scenarios" / "late.yaml",
        "{key: order number, value: O-2002}",
        "{key: order number, value: O-9999}",
    )
    edit(suite_copy / "suite.yaml", "  fact_ids:\n    order number: orders\n", "")
    assert len(load_suite(suite_copy).scenarios) == 24


def test_fact_ids_naming_a_collection_the_snapshot_lacks(suite_copy):
    suite_yaml = suite_copy / "suite.yaml"
    edit(suite_yaml, "    order number: orders", "    order number: order")
    with pytest.raises(
        SuiteError,
        match=r"suite.yaml:\d+: backend.fact_ids.order number: no collection 'order' in the snapshot \(customers, ",
    ):
        load_suite(suite_copy)


def test_keys_compare_without_case_underscores_or_hyphens():
    state = {"orders": {"O-1": {}}}
    facts = [Fact(key="Order_Number", value="O-1"), Fact(key="order-number", value="O-2"), Fact(key="email", value="x")]
    assert fact_key("  Order__number ") == "order number"
    assert missing_fact_ids(facts, state, {"order number": "orders"}) == [
        (
            1,
            "order-number 'O-2' is no record of orders "
            "(neither in the snapshot nor in this scenario's backend_overrides)",
        )
    ]
