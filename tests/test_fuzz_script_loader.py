"""Hostile script files (mutated real scripts, generated YAML, random text) give issues, never a crash."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_targets import run_script_loader
from scripts_library.loader import (
    COMMON_FILE,
    DEFAULT_LIBRARY_DIR,
    ScriptLibraryError,
    load_library,
    read_library,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.randoms(use_true_random=False))
def test_mutated_library_files_are_reported_not_raised(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        assert run_script_loader(rng, Path(scratch)) in ("issues", "clean")


@SETTINGS
@given(st.text(max_size=400))
def test_any_text_as_a_script_is_a_validation_error(content: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        library = Path(scratch)
        (library / COMMON_FILE).write_bytes((DEFAULT_LIBRARY_DIR / COMMON_FILE).read_bytes())
        (library / "fuzzed.yaml").write_text(content, encoding="utf-8", errors="surrogatepass")
        _, issues = read_library(library)
        assert issues, "random text is never a valid script"
        assert all(issue.file and str(issue) for issue in issues)
        with pytest.raises(ScriptLibraryError):
            load_library(library, use_cache=False)


def test_yaml_tags_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    (tmp_path / COMMON_FILE).write_bytes((DEFAULT_LIBRARY_DIR / COMMON_FILE).read_bytes())
    (tmp_path / "evil.yaml").write_text(
        f"!!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    _, issues = read_library(tmp_path)
    assert any("evil.yaml" in str(issue) for issue in issues)
    assert not marker.exists()
