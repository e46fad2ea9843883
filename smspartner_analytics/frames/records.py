"""One stored answer into the collector: the rule ``load_frames`` and the frames cache share.

A token whose latest answer is not a rental (``core.schema.is_rental``) is an ``errors`` row made
from the store's columns; a rental's body (JSON, or the API's XML form) is parsed once. A rental
whose body cannot be read still counts, with the status the store recorded (``add_record``
returns True so the caller can warn).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Final

from smspartner_analytics.client.xmlanswer import parse_xml_answer
from smspartner_analytics.core.schema import STATUS_BY_CODE, is_rental
from smspartner_analytics.frames.engine import Collector

__all__ = ["add_record", "broken_message"]

_CODE_BY_STATUS: Final = {name: code for code, name in STATUS_BY_CODE.items()}


def add_record(
    columns: Collector,
    token: str,
    fetched_at: datetime,
    http_status: int | None,
    outcome: str,
    status: str | None,
    error_code: int | None,
    error_message: str | None,
    attempts: int | None,
    body: str | None,
    reason: str | None,
    persistent: bool,
) -> bool:
    """Add one stored answer; True when it is a rental whose body is not the API's answer."""
    if not is_rental(outcome):
        message = error_message or outcome
        columns.add_error(
            token, error_code, message, http_status, attempts, fetched_at, reason, persistent
        )
        return False
    text = body or ""
    try:
        answer = parse_xml_answer(text) if text[:1] == "<" else json.loads(text)
    except (ValueError, RecursionError):
        answer = None
    broken = not (isinstance(answer, dict) and answer.get("success") is True)
    if broken:
        # Still a rental (core.schema.is_rental): keep the status the store recorded.
        answer = {"success": True, "status": _CODE_BY_STATUS.get(status or "")}
    columns.add_answer(answer, token, fetched_at, http_status, attempts)
    return broken


def broken_message(tokens: list[str]) -> str:
    """The one warning for rentals whose stored body is not the API's answer."""
    shown = ", ".join(repr(t) for t in tokens[:5]) + (", ..." if len(tokens) > 5 else "")
    return (
        f"{len(tokens)} stored success answer(s) have a body that is not the API's JSON "
        f"(tokens {shown}): they count as rentals with their stored status only."
    )
