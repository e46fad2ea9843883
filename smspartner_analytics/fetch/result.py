"""What one fetch did: ``FetchResult`` (counts, records, the one-line summary), the exceptions
that carry a partial result, and the one-line messages of a batch that stopped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from smspartner_analytics.core.config import (
    DEFAULT_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    SettingSource,
)
from smspartner_analytics.core.earlier import ADVICE, EARLIER
from smspartner_analytics.core.errors import StoreFullError
from smspartner_analytics.core.numbers import count, counted
from smspartner_analytics.core.schema import AnswerRecord, Outcome, is_rental
from smspartner_analytics.fetch.outcomes import PERSISTENT_RUNS, RETRYABLE_OUTCOMES

__all__ = [
    "FetchDiskFull",
    "FetchInterrupted",
    "FetchResult",
    "auth_message",
    "kept_message",
    "tls_message",
    "wrong_place_message",
]


@dataclass
class FetchResult:
    """What one ``fetch_statuses`` run did. ``records`` are this run's answers, in arrival order.

    ``asked``: tokens asked this run · ``skipped``: already final in the store (persistent
    failures included) · ``succeeded`` (rentals: success answers, with or without a location,
    ``core.schema.is_rental``), ``not_found``, ``api_errors`` (other API refusals, the
    key's included), ``failed`` (no answer after retries: run again) · ``persistent``: tokens
    whose failure repeated identically on ``PERSISTENT_RUNS`` runs in a row (marked this run or
    skipped for it; a rerun will not help, a refresh asks them) · ``not_asked``: left out
    because the batch stopped early · ``stopped``: the one-line reason when it stopped early
    (TLS failure, wrong base URL), else None · ``kept_rentals``: rentals whose attempt failed
    this run, shown from their earlier answer (``kept_message``) · ``seconds``: how long the
    batch took (None until it ran) · ``key_source``: where the client's key came from, which
    ``auth_message`` names (never the key).
    """

    total: int = 0
    asked: int = 0
    skipped: int = 0
    succeeded: int = 0
    not_found: int = 0
    api_errors: int = 0
    failed: int = 0
    persistent: int = 0
    not_asked: int = 0
    auth_failed: bool = False
    interrupted: bool = False
    disk_full: bool = False
    stopped: str | None = None
    #: Rentals of this run whose attempt failed: they keep showing their earlier answer from the
    #: API (``frames.earlier``); ``kept_message`` says so.
    kept_rentals: int = 0
    seconds: float | None = None
    store_path: Path | None = None
    key_source: SettingSource | None = None
    records: list[AnswerRecord] = field(default_factory=list, repr=False)

    @property
    def failed_tokens(self) -> list[str]:
        """Tokens of this run that got no answer from the API and are worth asking again."""
        return [r.token for r in self.records if _transient(r)]

    @property
    def persistent_tokens(self) -> list[str]:
        """Tokens of this run whose failure was marked persistent."""
        return [r.token for r in self.records if r.persistent]

    def add(self, rec: AnswerRecord) -> None:
        """Count one answer of this run."""
        self.records.append(rec)
        self.asked += 1
        if is_rental(rec.outcome):
            self.succeeded += 1
        elif rec.outcome == Outcome.NOT_FOUND:
            self.not_found += 1
        elif rec.outcome in RETRYABLE_OUTCOMES:
            if rec.persistent:
                self.persistent += 1
            else:
                self.failed += 1
        else:
            self.api_errors += 1
            self.auth_failed = self.auth_failed or rec.outcome == Outcome.AUTH_ERROR

    def main_reason(self) -> str | None:
        """The commonest kind of failure among the tokens to ask again, with its share and one
        example token: ``"HTTP 404 page (12 of 15 tokens, e.g. 'b22b841a')"``."""
        failures = [r for r in self.records if _transient(r)]
        if not failures:
            return None
        kinds = Counter(r.reason or r.outcome for r in failures)
        kind, many = kinds.most_common(1)[0]
        example = next(r.token for r in failures if (r.reason or r.outcome) == kind)
        return f"{kind} ({count(many)} of {counted(len(failures), 'token')}, e.g. {example!r})"

    def summary(self) -> str:
        """One line: what was asked, what came back and how long it took."""
        line = (
            f"{counted(self.total, 'token')}: {count(self.asked)} asked, {count(self.skipped)} "
            f"skipped as final; {count(self.succeeded)} succeeded, {count(self.not_found)} not "
            f"found, {counted(self.api_errors, 'API error')}, {count(self.failed)} failed"
        )
        if self.failed and not self.stopped:
            line += " (run again to retry)"
        if self.persistent:
            line += (
                f", {count(self.persistent)} failing the same way {PERSISTENT_RUNS} runs in a row "
                "(not asked again until a refresh)"
            )
        if self.not_asked:
            line += f", {count(self.not_asked)} not asked"
        if self.seconds is not None:
            line += f", in {self.seconds:.1f} s"
        if self.auth_failed:
            line += " [API key refused]"
        elif self.stopped:
            line += " [stopped early]"
        elif self.disk_full:
            line += " [disk full]"
        elif self.interrupted:
            line += " [interrupted]"
        return line + "."


def _transient(rec: AnswerRecord) -> bool:
    return rec.outcome in RETRYABLE_OUTCOMES and not rec.persistent


class FetchInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``fetch_statuses``; ``result`` holds what was saved before it."""

    def __init__(self, result: FetchResult) -> None:
        super().__init__(result.summary())
        self.result = result


class FetchDiskFull(StoreFullError):
    """The disk filled up during ``fetch_statuses``; ``result`` counts the answers saved before."""

    def __init__(self, result: FetchResult) -> None:
        super().__init__(
            f"Disk full while saving answers: {counted(result.asked, 'answer')} of this run "
            f"{'is' if result.asked == 1 else 'are'} saved in "
            f"{result.store_path}; free some space and run the same command again."
        )
        self.result = result


def auth_message(result: FetchResult, *, then: str = "run again") -> str:
    """The one-line message for a refused key: where the key came from (never the key), how to
    correct it there, what is saved. ``then``: what to do once it is corrected."""
    source = result.key_source
    if source is None:
        refused = (
            f"The API refused the API key (missing or wrong): set {ENV_API_KEY} in the "
            "environment or in a .env file (working folder or a parent)"
        )
    else:
        refused = f"The API refused the API key {source.described()}: {source.fix()}"
    return (
        f"{refused}, then {then}. The batch stopped after {counted(result.asked, 'request')}; "
        f"answers so far are saved in {result.store_path}."
    )


def kept_message(result: FetchResult) -> str | None:
    """The line saying that the rentals whose attempt failed keep their earlier answer (None
    when no rental's attempt failed this run)."""
    if not result.kept_rentals:
        return None
    kept = result.kept_rentals
    return (
        f"{counted(kept, 'rental')} whose attempt failed {'keeps' if kept == 1 else 'keep'} "
        f"showing {'its' if kept == 1 else 'their'} earlier answer from the API (the report and "
        f"the dashboard count {'it' if kept == 1 else 'them'} as {EARLIER}): to update "
        f"{'it' if kept == 1 else 'them'}, {ADVICE}."
    )


def tls_message(base_url: str) -> str:
    """The one line for a TLS failure, which stops the batch at once."""
    return (
        f"TLS failed for {base_url} (certificate not trusted or handshake refused), so no token "
        "was asked further: either the base URL is wrong, or something on the network "
        "intercepts TLS (a proxy with its own certificate). Check "
        f"{ENV_BASE_URL} / --base-url (the API's is {DEFAULT_BASE_URL}) or the network, then "
        "run again."
    )


def wrong_place_message(
    base_url: str,
    first_answers: int,
    reason: str,
    *,
    url: str | None = None,
    http_status: int | None = None,
    asked: int | None = None,
) -> str:
    """The one line for a batch whose first answers all failed the same way, none from the API.

    ``url``: one URL that was requested, its key already redacted (``Client.shown_url``);
    ``asked``: how many answers came in before the stop (the summary's "asked"), so the two
    lines agree. HTML 404 pages from a base URL whose path does not end in ``/v1`` get the hint
    that it usually does (the sandbox and the API both serve under ``/v1``).
    """
    first = "the only answer" if first_answers == 1 else f"the first {first_answers} answers all"
    before = ""
    if asked is not None and asked != first_answers:
        before = f" ({count(asked)} asked before the stop)"
    where = url or base_url
    if http_status == 404 and not urlsplit(base_url).path.rstrip("/").endswith("/v1"):
        check = (
            f"the base URL usually ends in /v1 (try {base_url.rstrip('/')}/v1; the API's is "
            f"{DEFAULT_BASE_URL}): set {ENV_BASE_URL} or --base-url, then run again."
        )
    else:
        check = (
            f"check the base URL ({ENV_BASE_URL} or --base-url; the API's is "
            f"{DEFAULT_BASE_URL}) and that the server is reachable, then run again."
        )
    return (
        f"Stopped early: {first} failed the same way{before} at {where} ({reason}), and no "
        f"answer came from the API: {check}"
    )
