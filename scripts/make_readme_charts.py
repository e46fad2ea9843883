"""Regenerate the README pictures: ``docs/<name>.png`` for each chart of ``report.charts``.

Runs the demo (``run_demo``: sandbox → fetch → load_frames → report) and draws its frames with
the report's charts (``report.charts.CHARTS``), so the pictures show what a newcomer's first
``smspartner-analytics demo`` shows.
Usage, from the repository root:

    python scripts/make_readme_charts.py [--out docs]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import smspartner_analytics as sa
from smspartner_analytics.demo import run_demo
from smspartner_analytics.report.charts import CHARTS, render

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent


def demo_frames() -> sa.Frames:
    """The demo's frames, by the demo's own code path (``smspartner-analytics demo``)."""
    with tempfile.TemporaryDirectory(prefix="smspartner-charts-") as tmp:
        return run_demo(tmp, progress=False).frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    frames = demo_frames()
    for chart in CHARTS:
        path = args.out / f"{chart.name}.png"
        render(chart, frames).savefig(path, dpi=110, metadata={"Software": None})
        print(f"wrote {path} ({chart.title})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
