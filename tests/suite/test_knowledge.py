"""Knowledge-base support: documents loaded with the suite, the built-in FTS5 retrieval tool on the real index,
its calls recorded in the transcript, and the judge of claims against what was retrieved."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from scripted_world import world_reply
from sparring import (
    ChatResponse,
    ModelPool,
    Outcome,
    RoleOverrides,
    RunOptions,
    ScriptedModel,
    Store,
    ToolCall,
    load_suite,
    run_suite,
)
from sparring.backend.knowledge import KnowledgeBase, document_files, match_expression, read_documents
from sparring.calibration import calibrate
from sparring.data_model import Label, TokenUsage
from sparring.models import MeteredModel
from sparring.suite.yaml_lines import SuiteError

EVAL = "claims_supported_by_retrieval"
LATE = "Late deliveries of 30 to 59 minutes get the delivery fee back; 60 minutes or more get a full refund."
DOCS = {
    "late.md": f"# Late delivery refunds\n\n{'Delivery times are estimates. ' * 50}\n{LATE}\n",
    "allergy.txt": "Allergen questions go to the restaurant; the agent never guesses ingredients.",
    "fees.json": json.dumps(
        [
            {"id": "service-fee", "title": "Service fee", "content": "The service fee is 5% of the basket, max $3."},
            {"id": "cancel", "title": "Cancelling", "content": "Cancelling after acceptance costs a $2 fee."},
        ]
    ),
}


def add_knowledge(suite: Path, knowledge: dict, evaluations: list | None = None, docs: dict = DOCS) -> Path:
    folder = suite / "kb"
    folder.mkdir(exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    config = yaml.safe_load((suite / "suite.yaml").read_text())
    config["knowledge"] = knowledge
    if evaluations is not None:
        config["evaluations"], config["gates"] = evaluations, []
    (suite / "suite.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return suite


def search(backend, query: str, call_id: str = "k1"):
    return backend.execute(ToolCall(id=call_id, name="search_knowledge_base", arguments={"query": query}))


def test_a_suite_with_documents_offers_the_retrieval_tool_on_its_real_backend(suite_copy):
    suite = load_suite(add_knowledge(suite_copy, {"documents": "kb", "top_k": 2}))
    factory = suite.backend_factory()
    scenario = suite.scenarios[0]
    backend = factory(scenario, datetime(2025, 1, 1, tzinfo=UTC))
    names = [spec.name for spec in backend.specs()]
    assert names[-1] == "search_knowledge_base" and "lookup_order" in names, "beside the backend's own tools"
    assert [spec.name for spec in factory.specs()] == names

    record = search(backend, "refund for a late delivery")
    documents = record.result["documents"]
    assert record.error is None and documents[0]["id"] == "late" and documents[0]["content"].endswith(LATE + "\n")
    assert documents[0]["title"] == "Late delivery refunds" and len(documents) <= 2
    assert [d["score"] for d in documents] == sorted((d["score"] for d in documents), reverse=True)
    cancel = search(backend, "cancelling fees").result["documents"]
    assert cancel[0]["id"] == "cancel", "stemmed: 'cancelling fees' finds 'Cancelling ... fee'"

    before = backend.digest()
    assert search(backend, "").error and backend.digest() == before, "an empty query is refused, nothing changes"
    order = backend.execute(ToolCall(id="o", name="lookup_order", arguments={"order_id": "O-1001"}))
    assert order.error is None and order.result, "the backend's own tools still answer"


def test_the_index_is_fts5_bm25_and_survives_any_query_text(tmp_path):
    files = []
    for name, text in DOCS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    base = KnowledgeBase(read_documents(sorted(files)))
    assert set(base.documents) == {"late", "allergy", "service-fee", "cancel"}
    for hostile in ['"', "AND OR NOT", "NEAR(fee", "fee*", "^title:", "-- ; DROP TABLE docs"]:
        base.search(hostile, 5)  # FTS5 syntax in a query is quoted away: no sqlite3.OperationalError
    assert match_expression('fee" OR x') == '"fee" OR "or" OR "x"'
    assert base.search("   ...  ", 5) == []
    title_hit, content_hit = base.search("cancelling", 5)[0], base.search("basket", 5)[0]
    assert title_hit[0].id == "cancel" and content_hit[0].id == "service-fee"
    again = pickle.loads(pickle.dumps(base))
    assert [(d.id, s) for d, s in again.search("fee refund", 5)] == [(d.id, s) for d, s in base.search("fee refund", 5)]


@pytest.mark.parametrize(
    ("docs", "documents", "expected"),
    [
        ({"bad.json": "{not json"}, "kb", "kb/bad.json: line 1: invalid JSON"),
        ({"bad.json": '{"id": "x"}'}, "kb", "kb/bad.json: content: missing or empty"),
        ({"bad.json": '[{"content": "a"}, {"content": "b", "title": 3}]'}, "kb", "kb/bad.json: [1].title: must be a"),
        ({"bad.json": '{"id": "late", "content": "again"}', "late.md": "x"}, "kb", "kb/late.md: id: duplicate"),
        ({"bad.md": b"\xff\xfe".decode("latin-1")}, "kb", "kb/bad.md: not UTF-8"),
        ({"a.md": "x"}, "kb/*.pdf", "suite.yaml:"),
        ({"a.md": "x", "notes.pdf": "%PDF"}, "kb/*", "kb/notes.pdf: not a document: a document is a .md"),
        ({"blank.md": "  \n"}, "kb", "kb/blank.md: empty document"),
    ],
)
def test_a_bad_document_is_one_error_naming_file_and_field(suite_copy, docs, documents, expected):
    folder = suite_copy / "kb"
    folder.mkdir()
    for name, text in docs.items():
        (folder / name).write_bytes(text.encode("latin-1" if name == "bad.md" else "utf-8"))
    add_knowledge(suite_copy, {"documents": documents}, docs={})
    with pytest.raises(SuiteError) as caught:
        load_suite(suite_copy)
    message = str(caught.value)
    assert expected in message and len(message.splitlines()) == 1, message
    if expected == "suite.yaml:":
        assert "knowledge.documents" in message and "no .md, .txt or .json document matches" in message


def test_the_tool_name_must_not_shadow_a_backend_tool(suite_copy):
    add_knowledge(suite_copy, {"documents": "kb", "tool": "lookup_order"})
    with pytest.raises(SuiteError, match="knowledge.tool: the backend already has a tool named 'lookup_order'"):
        load_suite(suite_copy)


def knowledge_reply(request):
    """The agent searches the knowledge base once, then answers; the judge passes a conversation only when the
    transcript it is shown holds the retrieved document's text, which ends past the 1,200 characters other tool
    answers are cut at (so the verdict proves the whole document reached the judge)."""
    if request.schema_name == "verdict":
        shown = request.messages[-1].content
        return {"reasoning": "scripted", "verdict": "pass" if LATE in shown else "fail"}
    if request.tools and any(t.name == "search_knowledge_base" for t in request.tools):
        if request.messages[-1].role == "tool":
            return "Orders 30 to 59 minutes late get the delivery fee back."
        return ChatResponse(tool_calls=[ToolCall(id="s1", name="search_knowledge_base", arguments={"query": "late"})])
    return world_reply(request)


async def test_a_run_records_the_searches_and_judges_claims_against_them(suite_copy, tmp_path):
    evaluations = [{"use": EVAL}]
    suite = load_suite(add_knowledge(suite_copy, {"documents": "kb"}, evaluations))
    pool = ModelPool()
    pool.add(ScriptedModel(knowledge_reply, name="scripted:kb"))
    store = Store.open(str(tmp_path / "r.db"))
    options = RunOptions(label="kb", scenarios=2, seed=1, models=RoleOverrides(model="scripted:kb"))
    run = (await run_suite(suite, store, options, pool)).run

    conversations = store.conversations(run.id)
    assert len(conversations) == 2
    snapshot = suite.backend_factory().inner.snapshot.digest
    assert all(c.snapshot_digest == snapshot for c in conversations), "the snapshot file's digest, as without documents"
    for conversation in conversations:
        calls = [call for turn in conversation.turns if turn.role == "agent" for call in turn.tool_calls]
        searches = [call for call in calls if call.name == "search_knowledge_base"]
        assert searches and searches[0].result["documents"][0]["id"] == "late"
    verdicts = [v for v in store.verdicts(run.id) if v.evaluation_id == EVAL]
    assert len(verdicts) == 2 and all(v.outcome == Outcome.PASS for v in verdicts)
    assert all(v.prompt_hash for v in verdicts), "a hashed template"

    # calibration shows its judge the transcript as the run's judge saw it: the searches whole
    store.save_labels(
        [Label(conversation_id=c.id, evaluation_id=EVAL, label="pass", labeller="ann") for c in conversations]
    )
    spec = next(e for e in suite.evaluations if e.id == EVAL)
    judge = MeteredModel(ScriptedModel(knowledge_reply, name="scripted:kb"), TokenUsage())
    report = await calibrate(spec, suite.policy, store, judge, split="all", uncut=suite.uncut_tools)
    assert report.n == 2 and report.confusion.true_pass == 2, report.confusion
    cut = await calibrate(spec, suite.policy, store, judge, split="all")
    assert cut.confusion.false_flag == 2, "cut at 1,200 characters the document's end is lost"


def test_on_a_sqlite_suite_the_search_sits_beside_its_tools_and_close_reaches_the_database(tmp_path):
    import sqlite3

    from backend.test_backend_sqlite import NOW, write_suite
    from sparring.evaluations.check_functions import close_backend

    suite = load_suite(add_knowledge(write_suite(tmp_path / "shop"), {"documents": "kb"}))
    backend = suite.backend_factory()(suite.scenarios[0], NOW)
    before = backend.digest()
    assert search(backend, "late refund").result["documents"][0]["id"] == "late"
    refund = backend.execute(ToolCall(id="r", name="issue_refund", arguments={"order_id": "O-1", "amount": 5.0}))
    assert refund.error is None and backend.digest() != before, "the SQLite tool wrote to the conversation's copy"
    connection = backend.inner.state.connection
    close_backend(backend)
    with pytest.raises(sqlite3.ProgrammingError):
        connection.execute("SELECT 1")


def test_documents_are_a_folder_or_a_glob_relative_or_absolute(tmp_path):

    folder = tmp_path / "kb"
    (folder / "deep").mkdir(parents=True)
    for name in ("a.md", "b.json", "deep/c.txt", "deep/skip.pdf"):
        (folder / name).write_text("x")
    suite = tmp_path / "suite"
    suite.mkdir()
    names = lambda files: [str(f.resolve().relative_to(folder.resolve())) for f in files]  # noqa: E731
    assert names(document_files(suite, "../kb")) == ["a.md", "b.json", "deep/c.txt"], "a folder: documents only"
    assert names(document_files(suite, "../kb/**/*.txt")) == ["deep/c.txt"]
    assert names(document_files(suite, str(folder / "*.md"))) == ["a.md"]
    assert document_files(suite, "../kb/*.csv") == []


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_a_deployed_bot_searches_the_served_backend(suite_copy, tmp_path, transport):
    from deployed_bots import DeployedBot, calls, run, served

    suite = load_suite(add_knowledge(suite_copy, {"documents": "kb", "top_k": 1}))
    script = [("search_knowledge_base", {"query": "refund for a late delivery"})]
    async with DeployedBot(transport, script=script) as bot:
        [conversation], _ = await run(suite, tmp_path, bot.url, served())
    [(name, arguments, result, error)] = calls(conversation)
    assert (name, arguments, error) == ("search_knowledge_base", script[0][1], None)
    assert [d["id"] for d in result["documents"]] == ["late"], "over the served backend, as in process"
