"""An imported τ² suite names its hand-off and write tools, checked against the tools its python backend lists
(not tools.py, which such a suite does not have)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests
import yaml

from sparring import load_suite
from sparring.importers.tau2_domain import load_domain
from sparring.importers.tau2_suite import write_suite
from sparring.suite.yaml_lines import SuiteError

pytestmark = pytest.mark.real


def test_the_imported_suite_names_its_handoff_and_write_tools(tmp_path: Path) -> None:
    """airline: transfer_to_human_agents hands off; τ²'s WRITE tools are the action tools; the suite loads."""
    domain = load_domain("airline")
    suite = load_suite(write_suite(domain, tmp_path / "suite"))
    backend = suite.config.backend
    assert backend.handoff_tools == ["transfer_to_human_agents"]
    assert "book_reservation" in backend.action_tools and "get_user_details" not in backend.action_tools
    assert set(backend.action_tools) == {n for n, kind in domain.tool_types.items() if kind == "write"}


def test_a_tool_the_backend_lacks_is_one_error_naming_file_and_line(tmp_path: Path) -> None:
    """A hand-off tool the τ² backend does not offer: a SuiteError on suite.yaml's line, naming the tool."""
    out = write_suite(load_domain("airline"), tmp_path / "suite")
    config = yaml.safe_load((out / "suite.yaml").read_text(encoding="utf-8"))
    config["backend"]["handoff_tools"] = ["transfer_to_human_agents", "call_a_manager"]
    (out / "suite.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    with pytest.raises(SuiteError, match="no tool named 'call_a_manager' in the backend's tools") as raised:
        load_suite(out)
    assert re.search(r"suite\.yaml:\d+", str(raised.value)), str(raised.value)
