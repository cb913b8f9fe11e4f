"""`local:` takes a packaged name, any GGUF path, or `hf:ORG/REPO/FILE.gguf[@REVISION]` read from the Hugging
Face cache (a fake cache in tmp_path: nothing is ever downloaded). Bad specs are one line, before any model
call, also through `sparring run`; one real-path test loads the packaged SmolLM2 through an `hf:` reference."""

from __future__ import annotations

from pathlib import Path

import huggingface_hub
import pytest
from typer.testing import CliRunner

from sparring import ChatRequest, Message, create_model
from sparring.cli import app
from sparring.models import ModelError
from sparring.models.gguf import hf_cache_dir, packaged_model_path, resolve_gguf
from sparring.models.local import LocalChatModel

runner = CliRunner(env={"COLUMNS": "250"})
MAIN = "a" * 40
V1 = "b" * 40
REPO = "some-org/Tiny-GGUF"
FILE = "quant/tiny.Q4_K_M.gguf"
FORMS = "(local:/path/to/model.gguf, local:./model.gguf, local:~/models/model.gguf)"
HF_FORM = "hf:ORG/REPO/FILE.gguf (optionally @REVISION)"
OR_PATH = "or give the GGUF's path: local:/path/to/model.gguf"


def fake_gguf(path: Path, head: bytes = b"GGUF") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + b"\x03\x00\x00\x00" + bytes(64))
    return path


def hf_cache(root: Path, repo: str = REPO, file: str = FILE, target: Path | None = None) -> Path:
    """A cache in the hub layout: refs/main → MAIN, refs/v1 → V1, the file in both snapshots."""
    repo_dir = root / f"models--{repo.replace('/', '--')}"
    for ref, commit in (("main", MAIN), ("v1", V1)):
        (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
        (repo_dir / "refs" / ref).write_text(commit)
        snapshot = repo_dir / "snapshots" / commit / file
        if target is None:
            fake_gguf(snapshot)
        else:
            snapshot.parent.mkdir(parents=True, exist_ok=True)
            snapshot.symlink_to(target)
    return root


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    return hf_cache(tmp_path / "hub")


def test_hf_reference_resolves_main_a_named_revision_and_a_commit(cache):
    assert resolve_gguf(f"hf:{REPO}/{FILE}") == cache / f"models--some-org--Tiny-GGUF/snapshots/{MAIN}/{FILE}"
    assert resolve_gguf(f"hf:{REPO}/{FILE}@v1").parent.parent.name == V1
    assert resolve_gguf(f"hf:{REPO}/{FILE}@{V1}").parent.parent.name == V1


@pytest.mark.parametrize("revision", [None, "v1", V1])
def test_the_same_file_as_huggingface_hubs_own_cache_lookup(cache, revision):
    spec = f"hf:{REPO}/{FILE}" + (f"@{revision}" if revision else "")
    expected = huggingface_hub.try_to_load_from_cache(REPO, FILE, cache_dir=cache, revision=revision)
    assert resolve_gguf(spec) == Path(str(expected))


def test_the_cache_folder_follows_the_hub_environment_variables(tmp_path, monkeypatch):
    for name in ("HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert hf_cache_dir() == tmp_path / "home/.cache/huggingface/hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert hf_cache_dir() == tmp_path / "hf/hub"
    hf_cache(tmp_path / "hf/hub")
    assert resolve_gguf(f"hf:{REPO}/{FILE}").is_relative_to(tmp_path / "hf/hub")
    monkeypatch.setenv("HF_HUB_CACHE", "~/elsewhere")
    assert hf_cache_dir() == tmp_path / "home/elsewhere"


def test_path_forms_absolute_relative_and_home(tmp_path, monkeypatch):
    model = fake_gguf(tmp_path / "home/models/m.gguf")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "home")
    assert resolve_gguf(str(model)) == model
    assert resolve_gguf("./models/m.gguf").resolve() == model
    assert resolve_gguf("~/models/m.gguf") == model
    assert LocalChatModel("~/models/m.gguf").path == model, "nothing is loaded until the first call"
    assert resolve_gguf("smollm2") == packaged_model_path("smollm2")


def bad_specs(tmp_path: Path) -> list[tuple[str, str]]:
    """(spec after `local:`, the exact error line) for every kind of bad spec."""
    fake_gguf(tmp_path / "notes.gguf", head=b"text")
    hub = tmp_path / "hub"
    return [
        (
            "./missing.gguf",
            f"local:./missing.gguf: GGUF file not found: {tmp_path / 'missing.gguf'}",
        ),
        (
            "./notes.gguf",
            f"local:./notes.gguf: {tmp_path / 'notes.gguf'} is not a GGUF file (it starts with b'text', not b'GGUF')",
        ),
        (
            "smollm3",
            f"local:smollm3: no packaged model 'smollm3' (packaged: smollm2); give a GGUF path {FORMS} "
            f"or local:{HF_FORM}",
        ),
        (
            f"hf:{REPO}/other.gguf",
            f"local:hf:{REPO}/other.gguf: other.gguf of {REPO} (revision main) is not in the Hugging Face cache {hub} "
            "(set by HF_HUB_CACHE or HF_HOME); Sparring never downloads: get it with "
            f"`huggingface-cli download {REPO} other.gguf`, {OR_PATH}",
        ),
        (
            f"hf:{REPO}/{FILE}@v2",
            f"local:hf:{REPO}/{FILE}@v2: {FILE} of {REPO} (revision v2) is not in the Hugging Face cache {hub} "
            "(set by HF_HUB_CACHE or HF_HOME); Sparring never downloads: get it with "
            f"`huggingface-cli download {REPO} {FILE} --revision v2`, {OR_PATH}",
        ),
        (
            "hf:some-org/model.gguf",
            "local:hf:some-org/model.gguf: write it hf:ORG/REPO/FILE.gguf (optionally @REVISION)",
        ),
    ]


def test_every_bad_spec_is_one_clear_error(cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for spec, message in bad_specs(tmp_path):
        with pytest.raises(ModelError) as caught:
            resolve_gguf(spec)
        assert str(caught.value) == message
    folder = tmp_path / "folder.gguf"
    folder.mkdir()
    with pytest.raises(ModelError, match=f"is a folder, not a GGUF file: {folder}$"):
        create_model(f"local:{folder}")


def test_run_shows_a_bad_spec_in_one_line_and_writes_nothing(example_suite, cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for spec, message in bad_specs(tmp_path):
        args = ["run", str(example_suite.root), "--model", f"local:{spec}", "--scenarios", "1"]
        result = runner.invoke(app, [*args, "--db", str(tmp_path / "runs.db")])
        assert result.exit_code == 2, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert errors == [f"error: {message}"]
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
        assert not (tmp_path / "runs.db").exists(), "refused before the store was opened: nothing written"


@pytest.mark.real
async def test_the_packaged_gguf_loads_and_generates_through_an_hf_reference(tmp_path, monkeypatch):
    hf_cache(tmp_path / "hub", target=packaged_model_path("smollm2"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    model = create_model(f"local:hf:{REPO}/{FILE}")
    try:
        reply = await model.complete(ChatRequest(messages=[Message(role="user", content="Say hi.")], max_tokens=4))
    finally:
        await model.aclose()
    assert model.name == f"local:hf:{REPO}/{FILE}"
    assert reply.content.strip() and 0 < reply.usage.completion_tokens <= 4
