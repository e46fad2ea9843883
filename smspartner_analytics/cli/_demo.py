"""`smspartner-analytics demo`: the whole job on the built-in sandbox (no key, no network)."""

from __future__ import annotations

import argparse
import sys

from smspartner_analytics.cli import EXIT_OK


def run(args: argparse.Namespace) -> int:
    from smspartner_analytics.demo import run_demo

    progress = not args.quiet and sys.stderr.isatty()
    result = run_demo(args.out, rentals=args.rentals, seed=args.seed, progress=progress)
    print("\n".join(result.summary_lines()))
    return EXIT_OK
