"""BENCHMARKS.md, written by section: each benchmark replaces only the text between its own markers
(``<!-- name:start -->`` … ``<!-- name:end -->``), read fresh, so benchmarks run one after another keep each other's."""
from __future__ import annotations

from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
INTRO = """# Benchmarks

Each section below is written by the benchmark it names, and says the command that produced it, when and on what
machine, and the peer or limit its figures are compared with. Re-run the command to refresh a section; the text
between its `<!-- name:start -->` / `<!-- name:end -->` markers is replaced, the rest of this file is kept.
"""


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(name: str, section: str, report: Path = REPORT) -> None:
    """Put ``section`` (which starts and ends with ``markers(name)``) in place of the old one, or append it."""
    start, end = markers(name)
    text = report.read_text() if report.exists() else INTRO
    if start in text and end in text:
        text = text[:text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    report.write_text(text)
