"""A suite's knowledge base: documents read at suite load, a full-text index over them (SQLite FTS5, BM25
ranking), and the built-in retrieval tool any agent is offered beside the backend's own tools.

Documents are Markdown or text files (id: the file's stem, title: the first `# heading`, else the stem) or JSON
files holding one object or a list of objects with `content` and optional `id` and `title` (τ²-bench's
banking_knowledge documents are such objects). The index lives in memory, built once per suite; a search is
one FTS5 query ranked by SQLite's `bm25()`. The tool's calls are recorded like any tool call, so the transcript
holds exactly what the agent retrieved.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sparring.backend.protocol import Backend, StateView
from sparring.data_model import Scenario, ToolCall, ToolCallRecord, ToolSpec

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".json")
_WORD = re.compile(r"\w+", re.UNICODE)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


class KnowledgeError(ValueError):
    """A document that cannot be read: the file, the field (when one is at fault) and what is wrong."""

    def __init__(self, file: Path, message: str, field: str | None = None) -> None:
        self.file, self.field, self.message = file, field, message
        super().__init__(f"{file}: {field + ': ' if field else ''}{message}")


@dataclass(frozen=True)
class Document:
    """One document of the knowledge base."""

    id: str
    title: str
    content: str
    file: str


def _text_document(file: Path) -> Document:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(file, f"not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise KnowledgeError(file, "empty document")
    heading = _HEADING.search(text)
    return Document(file.stem, heading.group(1) if heading else file.stem, text, str(file))


def _json_item(file: Path, item: Any, where: str) -> Document:
    if not isinstance(item, dict):
        raise KnowledgeError(file, "expected an object with content (and optional id, title)", where or None)
    prefix = f"{where}." if where else ""
    for key in ("id", "title", "content"):
        if key in item and not isinstance(item[key], str):
            raise KnowledgeError(file, "must be a string", f"{prefix}{key}")
    if not item.get("content", "").strip():
        raise KnowledgeError(file, "missing or empty (the document's text)", f"{prefix}content")
    doc_id = item.get("id") or (file.stem if not where else f"{file.stem}#{where.strip('[]')}")
    return Document(doc_id, item.get("title") or doc_id, item["content"], str(file))


def _json_documents(file: Path) -> list[Document]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise KnowledgeError(file, f"not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise KnowledgeError(file, f"line {exc.lineno}: invalid JSON: {exc.msg}") from exc
    if isinstance(data, list):
        return [_json_item(file, item, f"[{index}]") for index, item in enumerate(data)]
    return [_json_item(file, data, "")]


def read_documents(files: Iterable[Path]) -> list[Document]:
    """The documents of `files` (Markdown, text or JSON), ids unique across them; the first bad file raises one
    `KnowledgeError` naming it (and the field at fault)."""
    documents: list[Document] = []
    seen: dict[str, str] = {}
    for file in files:
        if file.suffix not in DOCUMENT_SUFFIXES:
            raise KnowledgeError(file, f"not a document: a document is a {', '.join(DOCUMENT_SUFFIXES)} file")
        found = _json_documents(file) if file.suffix == ".json" else [_text_document(file)]
        for document in found:
            if document.id in seen:
                raise KnowledgeError(file, f"duplicate document id {document.id!r} (also in {seen[document.id]})", "id")
            seen[document.id] = document.file
            documents.append(document)
    return documents


def document_files(root: Path, pattern: str) -> list[Path]:
    """The files a suite names: a folder (every Markdown, text and JSON file in it, recursively) or a glob
    (relative to the suite's folder, or absolute); sorted, so document order (and ties in ranking) are stable."""
    target = root / pattern
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.is_file() and p.suffix in DOCUMENT_SUFFIXES)
    base, relative = (
        (Path(target.anchor), str(target.relative_to(target.anchor))) if target.is_absolute() else (root, pattern)
    )
    return sorted(p for p in base.glob(relative) if p.is_file())


def match_expression(query: str) -> str:
    """A free-text query as an FTS5 expression: each word quoted (so no word is FTS5 syntax), any may match."""
    return " OR ".join(f'"{word}"' for word in _WORD.findall(query.lower()))


class KnowledgeBase:
    """The documents and their FTS5 index (in memory, porter-stemmed, title weighted twice the content).
    Safe to share between threads; pickles as its documents (the index is rebuilt where it lands)."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = {document.id: document for document in documents}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, title, content, tokenize='porter unicode61')"
        )
        self._db.executemany(
            "INSERT INTO docs (doc_id, title, content) VALUES (?, ?, ?)",
            [(d.id, d.title, d.content) for d in documents],
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"documents": list(self.documents.values())}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["documents"])  # type: ignore[misc]

    def search(self, query: str, top_k: int) -> list[tuple[Document, float]]:
        """The `top_k` documents best matching `query`, best first, with their BM25 score (higher is better)."""
        expression = match_expression(query)
        if not expression:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT doc_id, -bm25(docs, 0.0, 2.0, 1.0) AS score FROM docs WHERE docs MATCH ? "
                "ORDER BY score DESC, doc_id LIMIT ?",
                (expression, top_k),
            ).fetchall()
        return [(self.documents[doc_id], float(score)) for doc_id, score in rows]


@dataclass(frozen=True)
class RetrievalTool:
    """The built-in retrieval tool: its name, how many documents one search returns, over which base."""

    base: KnowledgeBase
    name: str = "search_knowledge_base"
    top_k: int = 5

    @property
    def spec(self) -> ToolSpec:
        """The tool as a model is offered it."""
        return ToolSpec(
            name=self.name,
            description=f"Search the knowledge base ({len(self.base.documents)} documents) by keywords; returns the "
            f"{self.top_k} best-matching documents (id, title, score, full content).",
            parameters={
                "type": "object",
                "properties": {"query": {"type": "string", "description": "what to look for, in keywords"}},
                "required": ["query"],
            },
        )

    def run(self, call: ToolCall) -> ToolCallRecord:
        """One search, recorded: the documents found, or an `error` for a missing or empty query."""
        record = ToolCallRecord(id=call.id, name=call.name, arguments=call.arguments)
        query = call.arguments.get("query")
        if not isinstance(query, str) or not query.strip():
            record.error = "query: a non-empty string is required"
            return record
        found = self.base.search(query, self.top_k)
        record.result = {
            "documents": [
                {"id": d.id, "title": d.title, "score": round(score, 4), "content": d.content} for d, score in found
            ]
        }
        return record


class KnowledgeBackend:
    """A conversation's backend with the retrieval tool beside its own tools: searches are answered here, the
    rest by the backend; state, view and digest are the backend's (a search changes nothing), and so are the
    customer's own tools where the backend gives the customer some."""

    def __init__(self, inner: Backend, tool: RetrievalTool) -> None:
        self.inner, self.tool = inner, tool

    def specs(self) -> list[ToolSpec]:
        """The backend's tools and the retrieval tool."""
        return [*self.inner.specs(), self.tool.spec]

    def execute(self, call: ToolCall) -> ToolCallRecord:
        """A search when the call names the retrieval tool, else the backend's own call."""
        return self.tool.run(call) if call.name == self.tool.name else self.inner.execute(call)

    def view(self) -> StateView:
        """The backend's state."""
        return self.inner.view()

    def digest(self, ignore: Iterable[str] = ()) -> str:
        """The backend's digest."""
        return self.inner.digest(ignore)

    def close(self) -> None:
        """Release what the backend holds, when it holds something (a SQLite backend's in-memory database)."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def customer_specs(self) -> list[ToolSpec]:
        """The backend's customer tools (dual control), none when it has none: the knowledge base is the agent's."""
        specs = getattr(self.inner, "customer_specs", None)
        return list(specs()) if callable(specs) else []

    def execute_customer(self, call: ToolCall) -> ToolCallRecord:
        """One of the customer's calls, run by the backend."""
        return self.inner.execute_customer(call)  # type: ignore[attr-defined]

    def customer_view(self) -> dict[str, Any]:
        """The customer's state, kept by the backend."""
        return self.inner.customer_view()  # type: ignore[attr-defined]


class KnowledgeBackendFactory:
    """A suite's backend factory with the retrieval tool added to every conversation's backend. `specs` are the
    suite's own tools (as the loader found them) and the retrieval tool."""

    def __init__(self, inner: Any, tool: RetrievalTool, own_specs: list[ToolSpec]) -> None:
        self.inner, self.tool, self.own_specs = inner, tool, own_specs

    def __call__(self, scenario: Scenario, clock: datetime) -> KnowledgeBackend:
        """The suite's backend for one conversation, with the retrieval tool."""
        return KnowledgeBackend(self.inner(scenario, clock), self.tool)

    def initial_view(self, scenario: Scenario, clock: datetime) -> StateView:
        """The state a conversation of `scenario` starts on (the backend's: documents are not state)."""
        return self.inner.initial_view(scenario, clock)

    def specs(self) -> list[ToolSpec]:
        """Every tool a conversation offers, the retrieval tool last."""
        return [*self.own_specs, self.tool.spec]
