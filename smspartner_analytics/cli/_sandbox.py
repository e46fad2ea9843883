"""`smspartner-analytics sandbox`."""

from __future__ import annotations

import argparse

from ..errors import SMSPartnerError


def run(args: argparse.Namespace) -> int:
    raise SMSPartnerError("'sandbox' is not built yet.")
