"""How a token shown from an earlier answer is said, everywhere: the words and ``EarlierAnswers``.

A token is **shown from an earlier answer** when the attempt after the answer its row comes from
failed (a refused key, a wrong base URL, the network down): ``frames.earlier.earlier_answers``
counts them in the frames (rows whose ``last_attempt_at`` is set). The dashboard's summary line and
table, the report's summary (HTML page, workbook), ``smspartner-analytics report`` and ``fetch``,
and the frames' ``repr`` in the notebooks all say it with the words here. Pure text, no pandas
(``fetch`` imports it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from smspartner_analytics.core.numbers import Locale, count
from smspartner_analytics.core.schema import Outcome

__all__ = ["ADVICE", "EARLIER", "EARLIER_LABEL", "EarlierAnswers", "failure_kind"]

#: What such a token is, after its count: "12 shown from an earlier answer".
EARLIER: Final = "shown from an earlier answer"
#: The same as a heading (the report's summary line).
EARLIER_LABEL: Final = "Shown from an earlier answer (latest attempt failed)"
#: What to do about it. A final rental (failed, downloaded) is only asked again with --refresh.
ADVICE: Final = (
    "fix the cause (the key, the base URL, the network), then fetch again "
    "(with --refresh for final rentals too)"
)
#: Kinds of failure named in full beside the count; the rest are "n other".
_NAMED: Final = 2


def failure_kind(outcome: object, reason: object) -> str:
    """A failed attempt in a few words: ``refused key`` for the key, else its reason as stored
    (``HTTP 404 page``, ``connection refused``), else its outcome in words."""
    if outcome == Outcome.AUTH_ERROR:
        return "refused key"
    if isinstance(reason, str) and reason.strip():
        return reason.strip()
    if isinstance(outcome, str) and outcome:
        return outcome.replace("_", " ")
    return "failed"


@dataclass(frozen=True)
class EarlierAnswers:
    """How many tokens are shown from an earlier answer, and why: ``kinds`` holds (kind of
    failure, tokens), commonest first (``failure_kind``). False when there are none."""

    count: int
    kinds: tuple[tuple[str, int], ...] = ()

    def __bool__(self) -> bool:
        return self.count > 0

    def why(self, *, locale: Locale = "en") -> str:
        """``latest attempt failed: refused key``; with several kinds, how many each:
        ``latest attempt failed: refused key for 10, connection refused for 2``."""
        if len(self.kinds) == 1:
            return f"latest attempt failed: {self.kinds[0][0]}"
        named = [f"{kind} for {count(n, locale=locale)}" for kind, n in self.kinds[:_NAMED]]
        rest = sum(n for _, n in self.kinds[_NAMED:])
        if rest:
            named.append(f"other failures for {count(rest, locale=locale)}")
        return "latest attempt failed: " + ", ".join(named)

    def head(self, *, locale: Locale = "en") -> str:
        """``12 shown from an earlier answer``."""
        return f"{count(self.count, locale=locale)} {EARLIER}"

    def phrase(self, *, locale: Locale = "en") -> str:
        """``12 shown from an earlier answer (latest attempt failed: refused key)``."""
        return f"{self.head(locale=locale)} ({self.why(locale=locale)})"

    def note(self, *, locale: Locale = "en") -> str:
        """The phrase, what it means and what to do, in one line (the report's summary)."""
        return (
            f"{self.phrase(locale=locale)}: each of these rentals and tokens keeps its latest "
            "answer from the API, and the failed attempt after it is in the last_attempt_* "
            f"columns of rentals and errors. To update them, {ADVICE}."
        )
