"""τ²-bench's banking_knowledge documents as a suite's knowledge base, searched as τ²'s `KB_search(query)` is
called (its BM25 variants return 10 documents), on the real FTS5 index."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparring import ToolCall, load_suite
from sparring.importers.tau2_domain import Tau2ImportError, load_domain
from sparring.importers.tau2_suite import write_suite
from suite.test_knowledge import add_knowledge

TAU2_DOCUMENTS = Path(__file__).parents[1] / "fixtures" / "tau2_banking_knowledge" / "documents"
TASK_001_REQUIRED = [
    "doc_credit_cards_gold_rewards_card_001",
    "doc_credit_cards_silver_rewards_card_001",
    "doc_credit_cards_bronze_rewards_card_001",
    "doc_credit_cards_platinum_rewards_card_001",
]


def test_tau2_documents_load_as_they_are_and_kb_search_finds_them(suite_copy):
    shutil.copytree(TAU2_DOCUMENTS, suite_copy / "kb")
    suite = load_suite(add_knowledge(suite_copy, {"documents": "kb", "tool": "KB_search", "top_k": 10}, docs={}))
    backend = suite.backend_factory()(suite.scenarios[0], datetime(2025, 11, 14, tzinfo=UTC))
    spec = backend.specs()[-1]
    assert spec.name == "KB_search" and spec.parameters["required"] == ["query"], "τ²'s tool name and argument"
    assert "12 documents" in spec.description

    def found(query: str) -> list[str]:
        record = backend.execute(ToolCall(id="q", name="KB_search", arguments={"query": query}))
        return [d["id"] for d in record.result["documents"]]

    assert len(found("personal credit card rewards cash back annual fee")) == 10, "τ²'s top 10"
    for doc_id in TASK_001_REQUIRED:  # each document task_001 needs is the first hit for its own title
        title = json.loads((TAU2_DOCUMENTS / f"{doc_id}.json").read_text())["title"]
        assert found(title)[0] == doc_id, title
    assert found("open a personal checking account")[:2] == [
        "doc_bank_accounts_bank_accounts_(general)_001",
        "doc_bank_accounts_bank_accounts_(general)_002",
    ]
    gold = json.loads((TAU2_DOCUMENTS / "doc_credit_cards_gold_rewards_card_001.json").read_text())
    record = backend.execute(ToolCall(id="g", name="KB_search", arguments={"query": gold["title"]}))
    hit = next(d for d in record.result["documents"] if d["id"] == gold["id"])
    assert hit["title"] == gold["title"] and hit["content"] == gold["content"], "documents come back whole"


@pytest.mark.parametrize("by_folder", [True, False])
def test_a_banking_knowledge_folder_without_its_tasks_or_an_installed_name_is_one_line(tmp_path, by_folder):
    """banking_knowledge imports from τ²-bench's folder (tests/importers/test_tau2_banking*.py); a folder missing
    its parts, or the name (the installed τ² package has no banking data), is one line and writes nothing."""
    pytest.importorskip("tau2")
    folder = tmp_path / "banking_knowledge"
    shutil.copytree(TAU2_DOCUMENTS, folder / "documents")
    (folder / "tasks.json").write_text("[]")
    (folder / "db.json").write_text("{}")
    out = tmp_path / "suite"
    with pytest.raises(Tau2ImportError) as caught:
        write_suite(load_domain(folder if by_folder else "banking_knowledge"), out)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    if by_folder:
        assert message.startswith(f"{folder}: not a τ² domain folder: prompts/classic_rag_bm25_no_grep.md")
        assert "tasks/ missing" in message
    else:
        assert "the installed τ² package has no banking_knowledge data; give the folder" in message
    assert not out.exists(), "nothing written"
