"""The documentation stands alone and stays true: every file, folder and test it names exists in the repository,
and nothing points outside it (a clone has no sibling folders)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# a backticked repository path: a top-level folder of ours or a top-level file, optionally ::test_name
PATH = re.compile(r"`((?:core|telephony|directory|ivr_flows|recording|hotline|migrations|docker|bench|tests|scripts|"
                  r"docs|\.ci)/[\w./-]*|[\w-]+\.(?:md|toml|cfg|ini)|Makefile)(?:::(\w+))?`")


def named_paths() -> list[tuple[str, str, str | None]]:
    found = []
    for doc in DOCS:
        for match in PATH.finditer(doc.read_text(encoding="utf-8")):
            found.append((doc.name, match.group(1), match.group(2)))
    return found


def test_the_docs_name_paths_at_all():
    assert len(named_paths()) > 100   # the rules table names a module and a test per rule


def test_every_named_path_and_test_exists():
    missing = []
    for doc, path, test in named_paths():
        target = ROOT / path.rstrip("/")
        if not target.exists():
            missing.append(f"{doc}: {path}")
        elif test is not None and test not in functions_of(target):
            missing.append(f"{doc}: {path}::{test}")
    assert missing == [], "the docs name what the repository does not have"


def functions_of(path: Path) -> set[str]:
    return {node.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_no_link_points_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert "../shared" not in text, f"{doc.name} points at ../shared, which a clone does not have"
    for target in re.findall(r"\]\(([^)#]+)", text):   # markdown links
        assert not target.startswith(("http", "/", "..")), f"{doc.name} links outside the repository: {target}"
        assert (doc.parent / target).exists(), f"{doc.name} links to {target}, which does not exist"
