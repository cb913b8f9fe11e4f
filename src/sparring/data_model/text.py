"""Text a store can hold: the characters neither SQLite nor PostgreSQL can store in a text column, found (for
names and ids, which are refused) or replaced (in what a model wrote, which is never refused)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL (PostgreSQL refuses it in text; SQLite would keep it) and lone UTF-16 surrogates (JSON's `\\ud800` escape
decodes to one; neither database's UTF-8 encoding can write it)."""

REPLACEMENT = "\ufffd"
"""What stands for an unstorable character in a model's text: Unicode's replacement character."""


def unstorable_character(text: str) -> str | None:
    """Why `text` cannot be stored ("a NUL character (U+0000)", "a lone surrogate (U+D800)"), or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    return f"a NUL character ({code})" if found.group() == "\x00" else f"a lone surrogate ({code})"


def storable(text: str) -> str:
    """`text` with each unstorable character replaced by REPLACEMENT (the text itself when it has none)."""
    return _UNSTORABLE.sub(REPLACEMENT, text) if _UNSTORABLE.search(text) else text


ModelText = Annotated[str, AfterValidator(storable)]
"""A text field a model writes (a judge's reasoning): stored whatever the model wrote, its unstorable characters
replaced, so no model output can fail a commit."""
