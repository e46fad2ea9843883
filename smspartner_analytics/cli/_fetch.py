"""`smspartner-analytics fetch`."""

from __future__ import annotations

import argparse

from ..errors import SMSPartnerError


def run(args: argparse.Namespace) -> int:
    raise SMSPartnerError("'fetch' is not built yet.")
