"""`smspartner-analytics demo`."""

from __future__ import annotations

import argparse

from ..errors import SMSPartnerError


def run(args: argparse.Namespace) -> int:
    raise SMSPartnerError("'demo' is not built yet.")
