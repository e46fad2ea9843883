"""Docs, docstrings and comments cite only files of this repository, and no issue numbers.

A reader of a clone has nothing else: a citation of a file outside the repository, or of a
tracker's issue number, points them nowhere. Contracts live in ``docs/`` in the project's words.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".md", ".toml", ".ipynb", ".txt", ".cfg", ".sh", ""}
#: a path outside the repository
OUTSIDE = re.compile(r"\.\./shared|shared[/]docs|/work/")
#: a Markdown file cited by name (``notes.md``, ``docs/promises.md``)
CITED_MD = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.md)\b")
#: a file of the repository cited by its path
CITED_PATH = re.compile(
    r"(?<![\w/.-])((?:smspartner_analytics|tests|scripts|benchmarks|docs)/[\w/.-]*\w)"
)
#: ``#12`` (not a colour like ``"#969696"``, not ``&#12;``) or ``issue 12`` / ``issues #12``
ISSUE = re.compile(r"(?<![\w&\"'#])#\d{1,4}(?![\w;])|\bissues? #?\d+", re.IGNORECASE)


def _tracked() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
        paths = [ROOT / name for name in out.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # pragma: no cover - not a git checkout
        paths = [p for p in ROOT.rglob("*") if ".git" not in p.parts]
    own = Path(__file__).resolve()
    return [
        p
        for p in paths
        if p.is_file() and p.suffix in TEXT_SUFFIXES and p.resolve() != own and p.stat().st_size
    ]


def _problems(path: Path, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{path.relative_to(ROOT)}:{number}"
        if OUTSIDE.search(line):
            found.append(f"{where}: cites a path outside the repository: {line.strip()[:90]}")
        for match in ISSUE.finditer(line):
            found.append(f"{where}: cites an issue number {match.group()!r}")
        cited_paths = [m.group(1) for m in CITED_PATH.finditer(line)]
        cited_md = [m.group(1) for m in CITED_MD.finditer(line)]
        for cited in dict.fromkeys([*cited_paths, *cited_md]):
            module = cited.split(".", 1)[0] + ".py"  # benchmarks/_common.machine: an attribute
            candidates = [path.parent / cited, ROOT / cited, ROOT / module]
            inside = [c for c in candidates if c.resolve().is_relative_to(ROOT)]
            if not any(c.exists() for c in inside):
                found.append(f"{where}: cites {cited}, which is not a file of this repository")
    return found


def test_docs_cite_only_this_repository() -> None:
    problems: list[str] = []
    for path in _tracked():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        problems.extend(_problems(path, text))
    assert not problems, "\n".join(problems)


def test_the_check_finds_each_kind_of_citation() -> None:
    path = ROOT / "smspartner_analytics" / "example.py"
    text = (
        # built from pieces, so that this file itself cites nothing outside the repository
        "see ../" + "shared/" + "docs/design" + ".md\n"
        "as in reliability" + ".md 9\n"
        "fixed in #12\n"
        "see issue 12\n"
        'colour = "#969696"  # docs/architecture.md, README.md\n'
        "defined in smspartner_analytics/columns.py\n"
    )
    problems = _problems(path, text)
    assert [p.split(": ", 1)[0] for p in problems] == [
        "smspartner_analytics/example.py:1",
        "smspartner_analytics/example.py:1",
        "smspartner_analytics/example.py:2",
        "smspartner_analytics/example.py:3",
        "smspartner_analytics/example.py:4",
        "smspartner_analytics/example.py:6",
    ]
