"""STUB — to be implemented (issue 2). Signatures here are the contract other modules rely on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

__all__ = ["Client", "StatusResponse"]


@dataclass(frozen=True, slots=True)
class StatusResponse:
    """A successful rental-status answer: the parsed JSON plus how it arrived."""

    token: str
    data: dict[str, Any]  # the parsed JSON object, success is True
    http_status: int
    body: str  # raw text as received
    attempts: int


class Client:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_retries: int = 3,
        rate: float | None = 5.0,
        workers: int = 4,
        session: requests.Session | None = None,
    ) -> None:
        raise NotImplementedError

    def get_status(self, token: str) -> StatusResponse:
        """One token, with retries. Raises a ``RequestError`` subclass when no data came."""
        raise NotImplementedError

    def rental_status(self, token: str) -> dict[str, Any]:
        """The parsed answer for one token (``get_status(token).data``)."""
        return self.get_status(token).data
