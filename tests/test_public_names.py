"""`sparring` lists its public names once (its `TYPE_CHECKING` imports): `__all__` is read from them, each
resolves to the object of its home module on first use, an unknown name is an AttributeError, and
`import sparring` alone imports none of the heavy packages they live in."""

import subprocess
import sys
from pathlib import Path

import pytest

import sparring
from sparring.exports import type_checking_imports


def test_all_is_every_name_of_the_type_checking_block_and_only_those():
    homes = type_checking_imports(Path(sparring.__file__).read_text())
    assert sorted(homes) == sparring.__all__
    assert len(sparring.__all__) == len(set(sparring.__all__)) == 42


def test_each_name_is_the_object_of_its_home_module():
    import sparring.runner
    import sparring.store

    assert sparring.Store is sparring.store.Store
    assert sparring.run_suite is sparring.runner.run_suite
    assert "Store" in dir(sparring)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        sparring.nope  # noqa: B018


def test_only_the_re_exports_of_the_type_checking_block_count():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from a import outside as outside\n"
        "if TYPE_CHECKING:\n"
        "    from sparring.x import One as One\n"
        "\n"
        "    from sparring.y import Two as Two\n"
        "    from sparring.z import private\n"
        "VALUE = 1\n"
        "    from sparring.w import Late as Late\n"
    )
    assert type_checking_imports(source) == {"One": "sparring.x", "Two": "sparring.y"}


def test_import_sparring_imports_no_package_behind_its_names():
    code = "import sys, sparring; print(sorted(m for m in sys.modules if m.startswith('sparring.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['sparring.exports']"
