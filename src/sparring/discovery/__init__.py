"""`sparring discover`: find the failures no evaluation covers.

This package owns the whole discovery flow and nothing else: picking the conversations that need an
explanation (candidates.py), one judge-model description per candidate (describe.py), grouping the
descriptions into themes with scikit-learn and checking which evaluations already cover each theme
(grouping.py, themes.py), the report and its JSON form (report.py, run.py), draft evaluations and
scenarios for uncovered themes (proposals.py), and a draft taken into the suite and enabled (accept.py).
It sits beside runner/calibration/extraction: it reads the store, the suite and the models layer, and is
used by the command line and the viewer, never the reverse.
"""

from sparring.discovery.accept import AcceptedDraft, accept_draft, draft_runs, is_accepted, provisional_accept
from sparring.discovery.candidates import Candidate, DiscoveryInputError, RunCandidates, TranscriptOutcomes
from sparring.discovery.proposals import write_drafts
from sparring.discovery.report import DiscoveryReport, Theme, load_stored_report, store_report
from sparring.discovery.run import discover, gather_candidates

__all__ = [
    "AcceptedDraft",
    "Candidate",
    "DiscoveryInputError",
    "DiscoveryReport",
    "RunCandidates",
    "Theme",
    "TranscriptOutcomes",
    "accept_draft",
    "discover",
    "draft_runs",
    "gather_candidates",
    "is_accepted",
    "load_stored_report",
    "provisional_accept",
    "store_report",
    "write_drafts",
]
