"""The backend-scale suite (bench/backend_scale_data.py) loads and checks, and loading resolves the snapshot's
relative times once for all scenarios (it used to resolve them again for every scenario: minutes on 1,000)."""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sparring import load_suite
from sparring.backend import Snapshot, SnapshotBackendFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from backend_scale_data import generate  # noqa: E402


def test_the_generated_suite_loads_with_references_and_overrides_checked(tmp_path):
    root = generate(tmp_path / "scale", scenarios=12, customers=200)
    data = json.loads((root / "snapshot.json").read_text())
    assert sum(map(len, data.values())) > 200 * 5 and len(data) >= 5
    suite = load_suite(root)
    assert len(suite.scenarios) == 12 and all(s.backend_overrides for s in suite.scenarios)
    factory = suite.backend
    assert isinstance(factory, SnapshotBackendFactory)
    assert len(factory.snapshot._clock_views) == 1  # one resolution of the snapshot's times, not one per scenario
    caller = suite.scenarios[0].backend_overrides["session"]["current"]["customer_id"]
    view = factory.initial_view(suite.scenarios[0], suite.config.simulation.clock)
    assert view["session"]["current"]["customer_id"] == caller


def test_relative_times_are_resolved_when_read_and_only_then():
    data = {
        "orders": {"O-1": {"placed_at": "now-1h", "items": [{"at": "now-2h"}]}, "O-2": {"placed_at": "2026-01-01"}},
        "customers": {"C-1": {"name": "Ada"}},
    }
    clock = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    view = Snapshot(data, {}).at(clock)
    layer = view.layer["orders"]
    assert layer._resolved == {}  # nothing resolved up front
    assert view["orders"]["O-1"] == {
        "placed_at": "2026-06-01T11:00:00+00:00",
        "items": [{"at": "2026-06-01T10:00:00+00:00"}],
    }
    assert view["orders"]["O-2"] is data["orders"]["O-2"] and "O-2" not in layer
    assert list(layer) == ["O-1"] and sorted(view["orders"]) == ["O-1", "O-2"] and len(view["orders"]) == 2
    assert data["orders"]["O-1"]["placed_at"] == "now-1h"  # the shared snapshot is never changed
