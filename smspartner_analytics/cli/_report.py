"""`smspartner-analytics report`."""

from __future__ import annotations

import argparse

from ..errors import SMSPartnerError


def run(args: argparse.Namespace) -> int:
    raise SMSPartnerError("'report' is not built yet.")
