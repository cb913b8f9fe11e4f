from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from sparring import load_suite
from sparring.suite import Suite

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "food-delivery"


@pytest.fixture(scope="session")
def example_suite() -> Suite:
    return load_suite(EXAMPLE)


@pytest.fixture
def suite_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo suite, for tests that break it on purpose."""
    target = tmp_path / "suite"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="session")
def postgres_url():
    from services import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray cluster with 2 CPUs; workers unpickle the scripted world by value (tests/ is not a package)."""
    import ray
    import ray.cloudpickle

    import scripted_world

    ray.cloudpickle.register_pickle_by_value(scripted_world)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A new store's `--db`: a SQLite file, and a fresh database on the tests' PostgreSQL server (store tests run
    on both)."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    from services import fresh_database

    return fresh_database(request.getfixturevalue("postgres_url"), f"store_{uuid.uuid4().hex[:12]}")
