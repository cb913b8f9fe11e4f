"""docs/reference.md is the settings reference generated from the models that validate a suite: the committed page
equals what the generator writes (so a key added to a model without regenerating the page fails here), every key has
a type, a default and a description, and the judge template variables are exactly those a judge is given."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel, Field

from sparring.evaluations.template_validation import PROVIDED
from sparring.suite.reference import JUDGE_VARIABLES, reference, rows

ROOT = Path(__file__).parents[1].parent
DOC = ROOT / "docs" / "reference.md"
EXAMPLES = ROOT / "examples" / "food-delivery"


def test_the_committed_reference_is_the_generated_one():
    assert DOC.read_text() == reference(EXAMPLES), (
        "docs/reference.md is stale: python -m sparring.suite.reference --examples examples/food-delivery "
        "--out docs/reference.md"
    )


def test_every_key_has_a_type_a_default_and_a_description():
    table_rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    assert len(table_rows) > 100
    for line in table_rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert all(cells[:4]) if len(cells) == 5 else all(cells), line
    for key in ("agent.endpoint_model", "agent.max_tool_rounds", "agent.system_prompt", "gates[].min_pass_rate",
                "expected_actions.actions[].match", "models.prices.NAME.input"):  # fmt: skip
        assert f"| `{key}` |" in DOC.read_text(), key


def test_a_new_key_without_a_description_would_show_as_undocumented():
    class Extended(BaseModel):
        documented: int = Field(1, description="says what it is")
        fresh_key: str = "x"

    described = {row.key: row.description for row in rows(Extended)}
    assert described == {"documented": "says what it is", "fresh_key": ""}


def test_the_judge_variables_are_the_ones_a_judge_template_gets():
    assert set(JUDGE_VARIABLES) == set(PROVIDED)
    for name in PROVIDED:
        assert f"`{{{{ {name} }}}}`" in DOC.read_text()


def test_the_module_prints_the_reference():
    printed = subprocess.run(
        [sys.executable, "-m", "sparring.suite.reference", "--examples", str(EXAMPLES)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout == DOC.read_text()
