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
        loader = jinja2.FileSystemLoader([str(Path(origin).parent), *search_path])
        env = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=False)
        digest = hashlib.sha256(text.encode())
        for part in _referenced_sources(env, text):
            digest.update(b"\0" + part.encode())
        self.hash = digest.hexdigest()[:12]
        self._template = env.from_string(text)

    def render(self, **context: Any) -> str:
        return self._template.render(**context).strip()


def _referenced_sources(env: jinja2.Environment, text: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """The sources of every template `text` extends or includes, recursively, in a stable order."""
    sources: list[str] = []
    names = sorted(n for n in jinja2.meta.find_referenced_templates(env.parse(text)) if n and n not in seen)
    for name in names:
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, name)
        sources += [source, *_referenced_sources(env, source, seen | {name})]
    return sources


@cache
def load_prompt(path: str | Path, search_path: tuple[str, ...] = ()) -> PromptTemplate:
    file = Path(path)
    return PromptTemplate(file.read_text(encoding="utf-8"), str(file), search_path)


def package_prompt(module_file: str, name: str) -> PromptTemplate:
    """A template stored in the `prompts/` folder beside the module that uses it."""
    return load_prompt(Path(module_file).parent / "prompts" / name)
