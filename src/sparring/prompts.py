"""Every LLM prompt is a template file; its content hash identifies the version that produced a result.

A template may `{% extends %}` or `{% include %}` another one found beside it or on a search path
(the judge frame, for instance); the hash then covers every file it is made of.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta


class PromptTemplate:
    def __init__(self, text: str, origin: str, search_path: tuple[str, ...] = ()) -> None:
        self.text = text
        self.origin = origin
        files = jinja2.FileSystemLoader([str(Path(origin).parent), *search_path])
        sources: dict[str, str] = {}
        _collect_sources(jinja2.Environment(loader=files), text, sources)
        digest = hashlib.sha256(text.encode())
        for name in sorted(sources):
            digest.update(b"\0" + name.encode() + b"\0" + sources[name].encode())
        self.hash = digest.hexdigest()[:12]
        # Render from the sources read now, so the text rendered is always the version the hash names.
        env = jinja2.Environment(
            loader=jinja2.DictLoader(sources), undefined=jinja2.StrictUndefined, keep_trailing_newline=False
        )
        self._template = env.from_string(text)

    def render(self, **context: Any) -> str:
        return self._template.render(**context).strip()


def _collect_sources(env: jinja2.Environment, text: str, sources: dict[str, str]) -> None:
    """Read every template `text` extends or includes, recursively, into `sources` (name -> text)."""
    assert env.loader is not None
    for name in jinja2.meta.find_referenced_templates(env.parse(text)):
        if name and name not in sources:
            sources[name] = env.loader.get_source(env, name)[0]
            _collect_sources(env, sources[name], sources)


@cache
def load_prompt(path: str | Path, search_path: tuple[str, ...] = ()) -> PromptTemplate:
    file = Path(path)
    return PromptTemplate(file.read_text(encoding="utf-8"), str(file), search_path)


def package_prompt(module_file: str, name: str) -> PromptTemplate:
    """A template stored in the `prompts/` folder beside the module that uses it."""
    return load_prompt(Path(module_file).parent / "prompts" / name)
