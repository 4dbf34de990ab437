"""libyaml's safe loader (the fast path) and PyYAML's pure-Python one read the same library, refuse
the same unsafe tags and point at the same line of a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scripts_library import load_library
from scripts_library import loader as library_loader
from scripts_library.loader import DEFAULT_LIBRARY_DIR, read_library

SCENARIOS = Path(library_loader.__file__).resolve().parent / "scenarios"
YAML_FILES = sorted([*DEFAULT_LIBRARY_DIR.glob("*.yaml"), *SCENARIOS.glob("*.yaml")])


def test_the_fast_loader_is_the_one_in_use() -> None:
    assert yaml.__with_libyaml__, "PyYAML without libyaml: the script library loads ~10x slower"
    assert len(YAML_FILES) >= 44


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_both_loaders_read_every_shipped_file_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = yaml.load(text, Loader=yaml.CSafeLoader)
    pure = yaml.load(text, Loader=yaml.SafeLoader)
    assert fast == pure and isinstance(fast, dict) and fast


def test_the_library_is_the_same_through_either_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml, "__with_libyaml__", False)  # PyYAML without libyaml: the SafeLoader path
    pure = load_library(use_cache=False)
    monkeypatch.setattr(yaml, "__with_libyaml__", True)
    fast = load_library(use_cache=False)
    assert len(fast) == len(pure) >= 20
    assert fast == pure
    assert {s.id: s.version for s in fast} == {s.id: s.version for s in pure}  # the hashes drafts keep


def _broken_line(tmp_path: Path) -> int:
    """The line the loader names for a file broken at its fourth line."""
    _library, issues = read_library(tmp_path)
    mine = [str(issue) for issue in issues if issue.file == "fake_loan.yaml"]
    assert len(mine) == 1 and mine[0].startswith("fake_loan.yaml: invalid YAML (line "), mine
    return int(mine[0].split("(line ", 1)[1].split(")", 1)[0])


def test_both_loaders_refuse_python_tags_and_name_the_same_broken_line(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for source in DEFAULT_LIBRARY_DIR.glob("*.yaml"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    broken = tmp_path / "fake_loan.yaml"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines[3] = "  bad: [unclosed, list: here"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = {}
    for fast in (True, False):
        monkeypatch.setattr(yaml, "__with_libyaml__", fast)
        with pytest.raises(yaml.constructor.ConstructorError):
            library_loader.safe_yaml("x: !!python/object/apply:os.system ['true']\n")
        found[fast] = _broken_line(tmp_path)
    assert found[True] == found[False]
    assert 4 <= found[True] <= 6  # the broken line, or the one where the parser notices
