"""`enable_evaluation`: suite.yaml edited as text, one `- use:` line appended to `evaluations:`, whatever the
list's layout; anything it cannot edit safely is one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sparring.discovery import DiscoveryInputError
from sparring.discovery.accept import enable_evaluation

FILE = Path("suite.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "name: s\nevaluations:\n- use: a\n# trailing comment\ngates: []\n",
        "name: s\nevaluations:\n    - use: a\n      applies_to: [x, y]  # note\n\n    # c\ngates: []\n",
        "name: s\nevaluations:\n  - use: a\n    params:\n      max_words: 5",
        "evaluations:\n  - use: a\n    policy_file: |\n      text\n  # end\nname: s\n",
    ],
    ids=["column-0", "multi-line-item", "no-final-newline", "block-scalar"],
)
def test_one_line_is_added_and_everything_else_kept(text):
    edited = enable_evaluation(text, "new_one", FILE)
    data = yaml.safe_load(edited)
    assert data["evaluations"][-1] == {"use": "new_one"} and len(data["evaluations"]) == 2
    assert data == {**yaml.safe_load(text), "evaluations": [*yaml.safe_load(text)["evaluations"], {"use": "new_one"}]}
    added = [line for line in edited.splitlines() if line not in text.splitlines()]
    assert len(added) == 1 and added[0].strip() == "- use: new_one"
    assert len(edited.splitlines()) == len(text.splitlines()) + 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("evaluations: [{use: a}]\n", "suite.yaml: `evaluations:` is not a block list of `- use: ...` lines"),
        ("evaluations:\n  - use: new_one\n", "suite.yaml: evaluation new_one is already enabled"),
    ],
)
def test_lists_it_cannot_extend_are_one_error(text, message):
    with pytest.raises(DiscoveryInputError, match="^" + message.replace("[", r"\[")):
        enable_evaluation(text, "new_one", FILE)
