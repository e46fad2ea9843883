"""Many tokens through one ``Client`` into a ``Store``: ``fetch_statuses(tokens, ...)``.

- At most ``workers`` requests in flight (a bounded thread pool fed from a small window, so even
  100,000 tokens never sit in memory as futures), one shared client (its rate limit holds).
- Incremental: tokens whose stored answer is final (not found, failed, downloaded, or a failure
  that repeated identically on 3 runs in a row) are skipped unless ``refresh=True``. Each answer is
  committed to the store as it arrives, so an interrupted or killed run loses only the requests
  in flight, and a rerun asks what is still missing.
- A batch never dies on one token: failures are recorded, counted and summarised according to
  ``errors=`` (``"warn"``, ``"raise"`` or ``"ignore"``).
- It stops at once when going on is pointless: the API refused the key (codes 1/10), a TLS
  certificate was refused (the same for every token), or its first answers all failed the same
  way with none from the API (a wrong base URL, nothing listening, an unknown host).
- Ctrl-C stops submitting, lets the requests in flight finish briefly, and raises
  ``FetchInterrupted`` (a ``KeyboardInterrupt`` carrying the partial ``FetchResult``).
- A failed attempt never hides an earlier answer: ``FetchResult.kept_rentals`` counts the
  rentals whose attempt failed this run (they keep their earlier answer), ``kept_message`` says so.
- A full disk stops the batch the same way and raises ``FetchDiskFull`` (a ``StoreFullError``
  carrying the partial ``FetchResult``): every answer counted in it is saved.

Modules: ``runner`` (``fetch_statuses``: settings, store and client), ``batch`` (the thread
pool and when to stop), ``outcomes`` (an answer or error into a stored record; persistent
failures; which failures say "wrong place"), ``result`` (``FetchResult``, its summary, the
exceptions and one-line messages).
"""

from __future__ import annotations

from smspartner_analytics.fetch.outcomes import PERSISTENT_RUNS, RETRYABLE_OUTCOMES
from smspartner_analytics.fetch.result import (
    FetchDiskFull,
    FetchInterrupted,
    FetchResult,
    auth_message,
    kept_message,
)
from smspartner_analytics.fetch.runner import ErrorsMode, fetch_statuses

__all__ = [
    "PERSISTENT_RUNS",
    "RETRYABLE_OUTCOMES",
    "ErrorsMode",
    "FetchDiskFull",
    "FetchInterrupted",
    "FetchResult",
    "auth_message",
    "fetch_statuses",
    "kept_message",
]
