"""Output paths that cannot be written (`--db`, `--out`, and the shared checks behind `--junit` and
`labels export`) stop with one line before anything is created; a missing parent folder is created only
where documented (`--db`, output files), never for a path under a file."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparring import Store
from sparring.cli import app
from sparring.output_paths import OutputPathError, check_output_file, check_output_folder
from sparring.store import StoreError, database_url

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    file = tmp_path / "notes.txt"
    file.write_text("keep me\n")
    return file


def test_db_under_a_file_is_refused_before_anything_is_created(a_file):
    with pytest.raises(StoreError, match=rf"^--db {a_file}/runs/x.db: {a_file} is a file, not a folder$"):
        database_url(str(a_file / "runs" / "x.db"))
    assert a_file.read_text() == "keep me\n"


def test_db_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(StoreError, match=rf"^--db {tmp_path}: is a folder, not a file$"):
        database_url(str(tmp_path))


def test_db_in_a_missing_folder_creates_the_folder_and_a_real_database(tmp_path):
    db = tmp_path / "new" / "sub" / "runs.db"
    store = Store.open(str(db))
    assert db.is_file() and store.list_runs() == []


def test_a_file_that_is_not_a_database_is_one_clear_line_and_untouched(a_file):
    with pytest.raises(StoreError, match=rf"^cannot open the database sqlite:///{a_file}: file is not a database$"):
        Store.open(str(a_file))
    assert a_file.read_text() == "keep me\n"


def test_a_database_url_with_a_password_never_shows_it():
    with pytest.raises(StoreError) as info:
        Store.open("postgresql://user:s3cret@127.0.0.1:1/sparring")
    assert "s3cret" not in str(info.value) and "***" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("target", ["{file}/x.db", "{file}"])
def test_the_cli_says_it_in_one_line_without_a_traceback(a_file, target):
    result = runner.invoke(app, ["runs", "--db", target.format(file=a_file)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and len(result.output.strip().splitlines()) == 1, result.output
    assert a_file.read_text() == "keep me\n"


def test_an_unwritable_folder_is_refused_for_real():
    """A folder the user may not write in, checked by the operating system. Root may write anywhere, so as root
    the check runs in a forked child that has dropped to the unprivileged `nobody` user."""
    top = Path(tempfile.mkdtemp())
    try:
        top.chmod(0o777)
        locked = top / "locked"
        locked.mkdir(mode=0o555)

        def refused() -> bool:
            try:
                database_url(str(locked / "sub" / "x.db"))
            except StoreError as exc:
                return f"{locked} is not writable" in str(exc)
            return False

        if os.geteuid() != 0:
            assert refused()
        else:
            child = os.fork()
            if child == 0:  # the child: become nobody, check, report through the exit status
                os.setgid(65534)
                os.setuid(65534)
                os._exit(0 if refused() else 1)
            _, status = os.waitpid(child, 0)
            assert os.waitstatus_to_exitcode(status) == 0
        assert not (locked / "sub").exists()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_an_unwritable_folder_is_refused(tmp_path, monkeypatch):
    """As the previous test, where the operating system says the folder is not writable (works as root)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(os, "access", lambda path, _mode: Path(path) != locked)
    with pytest.raises(OutputPathError, match=rf"^--junit {locked}/sub/r.xml: {locked} is not writable$"):
        check_output_file(locked / "sub" / "r.xml", "--junit")
    with pytest.raises(OutputPathError, match=rf"^--out {locked}/scenarios: {locked} is not writable$"):
        check_output_folder(locked / "scenarios", "--out")
    assert not (locked / "sub").exists()


def test_output_file_parent_is_created_only_when_asked(tmp_path):
    with pytest.raises(OutputPathError, match=r"folder .*missing does not exist$"):
        check_output_file(tmp_path / "missing" / "labels.csv", "labels export", create_parent=False)
    assert not (tmp_path / "missing").exists()
    check_output_file(tmp_path / "made" / "labels.csv", "labels export")
    assert (tmp_path / "made").is_dir()


def test_output_folder_is_not_created_by_the_check(tmp_path, a_file):
    assert check_output_folder(tmp_path / "later", "--out") == tmp_path / "later"
    assert not (tmp_path / "later").exists()
    with pytest.raises(OutputPathError, match=rf"^--out {a_file}: is a file, not a folder$"):
        check_output_folder(a_file, "--out")
