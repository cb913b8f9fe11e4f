"""The drill-down's pages: every page counts all the conversations that match (the count comes with the page, in
the same scan), the pages together list each matching conversation once, in the sorted order, and a page past the
last one lists nothing but still counts them all. Real SQLite file."""

from __future__ import annotations

from pathlib import Path

from sparring import Outcome, Store
from sparring.analysis.drilldown import Filters, drilldown
from viewer_server import one_judged_conversation

# conversation i fails i of these evaluations (0 to 3): flagged first means most failures first
FAILS = {f"check_{e}": [Outcome.FAIL if i > e else Outcome.PASS for i in range(7)] for e in range(3)}


def test_every_page_counts_all_matches_and_the_pages_list_each_once_in_order(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    one_judged_conversation(store, FAILS)
    filters = Filters()  # failed or errored verdicts of any evaluation, most first
    pages = [drilldown(store, "r1", filters, limit=2, offset=offset) for offset in (0, 2, 4, 6, 8)]
    assert [p.total for p in pages] == [6, 6, 6, 6, 6]  # conversations 1-6 fail something; 0 fails nothing
    listed = [line.conversation_id for p in pages for line in p.lines]
    assert listed == [f"r1:s{i}:0" for i in (3, 4, 5, 6, 2, 1)]  # 3 failures (then by id), 2, 1
    assert [len(p.lines) for p in pages] == [2, 2, 2, 0, 0]
    assert drilldown(store, "r1", filters, limit=0).total == 6  # no line asked for: counted all the same
    by_evaluation = drilldown(store, "r1", Filters(evaluation="check_2", outcome="fail"), limit=3, offset=3)
    assert by_evaluation.total == 4 and [line.conversation_id for line in by_evaluation.lines] == ["r1:s6:0"]
    assert drilldown(store, "r1", Filters(evaluation="nothing"), limit=2, offset=4).total == 0
