"""What ``smspartner-analytics dashboard`` does once its options are parsed (``_dashboard``
declares them). Imported only when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from smspartner_analytics.widgets.serve import ServeOptions, serve

    options = ServeOptions(
        host=args.host,
        port=args.port,
        store=Path(args.store) if args.store else None,
        out_dir=Path(args.out),
        open_browser=not args.no_browser,
        idle_timeout=args.idle_timeout,
        locale=args.locale,
    )
    return serve(options)
