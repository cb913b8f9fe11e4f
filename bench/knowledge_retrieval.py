"""Knowledge-base retrieval at τ²-bench banking_knowledge size (issue 29, item 4): 698 documents read and indexed
(SQLite FTS5, in memory), then searched through the built-in retrieval tool as an agent calls it. Prints each
figure against its target, with date, machine and load, and exits non-zero on a miss:

- documents read and indexed (`read_documents` + `KnowledgeBase`) ≤ 1 s;
- one search through the tool (FTS5 query, BM25 ranking, the record with top 10 whole documents), median and
  95th percentile over `--queries` queries ≤ 5 ms and ≤ 20 ms (queries: documents' titles and 2-6 words drawn
  from the documents, seeded).

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
