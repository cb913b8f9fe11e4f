"""Knowledge-base retrieval at τ²-bench banking_knowledge size (issue 29, item 4): 698 documents read and indexed
(SQLite FTS5, in memory), then searched through the built-in retrieval tool as an agent calls it. Prints each
figure against its target, with date, machine and load, and exits non-zero on a miss:

- documents read and indexed (`read_documents` + `KnowledgeBase`) ≤ 1 s;
- one search through the tool (FTS5 query, BM25 ranking, the record with top 10 whole documents), median and
  95th percentile over `--queries` queries ≤ 5 ms and ≤ 20 ms (queries: documents' titles and 2-6 words drawn
  from the documents, seeded);
- for information, how often the ranking agrees with τ²'s own BM25 (rank_bm25, when installed: a dev dependency).

    python bench/knowledge_retrieval.py [--documents DIR] [--queries 2000]

`--documents` is τ²'s own folder (`data/tau2/domains/banking_knowledge/documents` of a τ²-bench v1.0.x checkout);
without it, 698 generated JSON documents of τ²'s sizes (mean 1,170 characters, up to 7,800) stand in, and the
output says so.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner import Figure, machine  # noqa: E402

from sparring.backend.knowledge import KnowledgeBase, RetrievalTool, document_files, read_documents  # noqa: E402
from sparring.data_model import ToolCall  # noqa: E402

WORDS = (  # noqa: SIM905 (a vocabulary reads better as text)
    "account card credit debit fee annual interest rate balance transfer dispute transaction limit payment "
    "overdraft savings checking rewards cash back eligibility verification statement refund deposit withdrawal "
    "loan mortgage business personal gold silver bronze platinum premium subscription replacement closure "
    "fraud identity customer agent policy minimum maximum days months apply approve deny freeze activate"
).split()


def generate(folder: Path, count: int = 698, seed: int = 7) -> None:
    """`count` JSON documents shaped like τ²'s (id, title, content), lengths spread like τ²'s."""
    rng = random.Random(seed)
    for index in range(count):
        words = rng.choices(WORDS, k=max(20, int(rng.lognormvariate(5.1, 0.6))))
        title = " ".join(rng.choices(WORDS, k=5)).title()
        document = {"id": f"doc_{index:03d}", "title": title, "content": " ".join(words)}
        (folder / f"doc_{index:03d}.json").write_text(json.dumps(document), encoding="utf-8")


def queries(base: KnowledgeBase, count: int, seed: int = 11) -> list[str]:
    """Half the documents' titles, half 2-6 words (with a letter or digit) taken from a document's content."""
    rng = random.Random(seed)
    documents = list(base.documents.values())
    chosen = []
    for index in range(count):
        document = rng.choice(documents)
        words = [word for word in document.content.split() if any(c.isalnum() for c in word)]
        chosen.append(document.title if index % 2 else " ".join(rng.sample(words, min(len(words), rng.randint(2, 6)))))
    return chosen


def tau2_agreement(base: KnowledgeBase, chosen: list[str]) -> str:
    """How far the FTS5 ranking is from τ²'s own BM25 (`rank_bm25.BM25Okapi` over lower-cased whitespace tokens of
    the content, as τ²'s `bm25_indexer` builds it): mean share of τ²'s top 10 also in ours, top-1 agreement, and
    for each ranking how often a document's title, or 6 of its words, finds it first (known-item search), each with
    a 95% normal interval."""
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        return "agreement with τ²'s BM25: not measured (pip install rank-bm25, τ²'s own BM25 library)"
    documents = list(base.documents.values())
    theirs_index = BM25Okapi([d.content.lower().split() for d in documents])
    shared, first = [], []
    for query in chosen:
        scores = theirs_index.get_scores(query.lower().split())
        theirs = [documents[i].id for i in sorted(range(len(documents)), key=lambda i: -scores[i])[:10]]
        ours = [d.id for d, _ in base.search(query, 10)]
        shared.append(len(set(theirs) & set(ours)) / 10)
        first.append(float(bool(ours) and ours[0] == theirs[0]))

    rng = random.Random(17)
    found: dict[str, list[float]] = {"title, ours": [], "title, τ²'s": [], "content, ours": [], "content, τ²'s": []}
    for document in documents:  # known-item search: its title, or 6 of its words, finds the document first
        words = [word for word in document.content.split() if any(c.isalnum() for c in word)]
        for kind, query in (("title", document.title), ("content", " ".join(rng.sample(words, min(6, len(words)))))):
            scores = theirs_index.get_scores(query.lower().split())
            best = documents[max(range(len(documents)), key=lambda i: scores[i])].id
            found[f"{kind}, τ²'s"].append(float(best == document.id))
            hits = base.search(query, 1)
            found[f"{kind}, ours"].append(float(bool(hits) and hits[0][0].id == document.id))

    def interval(values: list[float]) -> str:
        mean, half = statistics.fmean(values), 1.96 * statistics.stdev(values) / len(values) ** 0.5
        return f"{mean:.2f} (95% CI {mean - half:.2f}-{mean + half:.2f})"

    return (
        f"agreement with τ²'s BM25 over {len(chosen)} queries: share of τ²'s top 10 in ours {interval(shared)}, "
        f"same first document {interval(first)}\nknown-item search over {len(documents)} documents, found first: "
        + "; ".join(f"{kind} {interval(values)}" for kind, values in found.items())
        + " (τ² indexes content only, so its title figure is not like for like; information, no target)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=Path, help="τ²'s banking_knowledge documents folder")
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.documents
        if folder is None:
            folder = Path(scratch)
            generate(folder)
            print("documents: 698 generated stand-ins (no --documents given)")
        start = time.perf_counter()
        base = KnowledgeBase(read_documents(document_files(folder.parent, folder.name)))
        built = time.perf_counter() - start
    size = sum(len(d.content) for d in base.documents.values())
    print(f"documents: {len(base.documents)} from {folder}, {size / 1e6:.1f} MB of text")
    tool = RetrievalTool(base, "KB_search", 10)
    latencies = []
    for index, query in enumerate(queries(base, args.queries)):
        start = time.perf_counter()
        record = tool.run(ToolCall(id=f"q{index}", name="KB_search", arguments={"query": query}))
        latencies.append((time.perf_counter() - start) * 1000)
        assert record.error is None and record.result["documents"], query
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(tau2_agreement(base, queries(base, 500, seed=13)))
    figures = [
        Figure(f"read + index {len(base.documents)} documents", built, 1.0, False, " s"),
        Figure(f"search, top 10, median of {len(latencies)} queries", statistics.median(latencies), 5.0, False, " ms"),
        Figure(f"search, top 10, 95th percentile of {len(latencies)}", p95, 20.0, False, " ms"),
    ]
    for figure in figures:
        print(figure.line())
    print(f"# load average at the end: {machine().rsplit('load average ', 1)[1]}")
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
