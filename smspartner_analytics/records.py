"""One answer as the store keeps it: the unit passed from fetch to the store and to the frames."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["AnswerRecord", "TokenEntry"]


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer (or recorded failure) for one token; never holds the API key.

    ``outcome`` is one of ``schema.Outcome``; ``body`` is the raw text received (bounded) or None;
    ``status`` is the normalised rental status for ``ok`` answers (``schema.STATUS_LABELS``).
    """

    token: str
    fetched_at: datetime  # timezone-aware, UTC
    outcome: str
    http_status: int | None = None
    body: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    attempts: int = 1
    status: str | None = None


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """A token as read from the user's file, with the metadata columns that came with it."""

    token: str
    metadata: dict[str, str]
