"""Regenerate the README pictures: docs/volume.png, docs/spend.png, docs/status.png.

Runs the demo (``run_demo``: sandbox → fetch → load_frames → report) and draws its frames with
``plot_*``, so the pictures show what a newcomer's first ``smspartner-analytics demo`` shows.
Usage, from the repository root:

    python scripts/make_readme_charts.py [--out docs]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

import smspartner_analytics as sa
from smspartner_analytics.demo import run_demo

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent


def demo_frames() -> sa.Frames:
    """The demo's frames, by the demo's own code path (``smspartner-analytics demo``)."""
    with tempfile.TemporaryDirectory(prefix="smspartner-charts-") as tmp:
        return run_demo(tmp, progress=False).frames


def charts(frames: sa.Frames) -> dict[str, tuple[tuple[float, float], Callable[[Axes], Axes]]]:
    """File stem → (figure size in inches, drawing function)."""
    return {
        "volume": ((9.0, 7.0), lambda ax: sa.plot_volume(frames.localisations, top=15, ax=ax)),
        "spend": ((8.0, 3.6), lambda ax: sa.plot_spend(frames.rentals, by="category", ax=ax)),
        "status": ((8.0, 4.2), lambda ax: sa.plot_status(frames.rentals, ax=ax)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    frames = demo_frames()
    for stem, (size, draw) in charts(frames).items():
        figure = Figure(figsize=size, dpi=110)
        draw(figure.subplots())
        path = args.out / f"{stem}.png"
        figure.savefig(path, metadata={"Software": None})
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
