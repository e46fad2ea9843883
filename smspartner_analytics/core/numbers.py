"""Numbers and money as people read them, in one of two conventions shared by every output.

``en`` (the default): ``€1,234.50``, ``1,234``, ``14.9%``. ``fr``: ``1 234,50 €``, ``1 234``,
``14,9 %`` (narrow no-break space between thousands, as French typography and Excel's French
locale write them). Charts, the dashboard, the demo's summary and the reports all format through
these functions, so one ``locale`` option changes them all.

Hand-written rather than through :mod:`locale` or Babel: the standard library's ``locale`` is
process-global and depends on which OS locales are installed, and two fixed conventions do not
justify a new dependency.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["LOCALES", "Locale", "check_locale", "count", "counted", "money", "percent"]

Locale = Literal["en", "fr"]
LOCALES: Final[tuple[Locale, ...]] = ("en", "fr")
#: French thousands separator: U+202F NARROW NO-BREAK SPACE.
_FR_THOUSANDS: Final = "\u202f"
_FR_BEFORE_UNIT: Final = "\u00a0"  # no-break space before € and %


def check_locale(value: str) -> Locale:
    """``value`` as a :data:`Locale`, or ``ValueError`` naming the choices."""
    if value not in LOCALES:
        raise ValueError(f"unknown locale {value!r}: choose one of {', '.join(LOCALES)}")
    return value


def _grouped(value: float, decimals: int, locale: Locale) -> str:
    text = f"{abs(value):,.{decimals}f}"
    if locale == "fr":
        text = text.replace(",", _FR_THOUSANDS).replace(".", ",")
    return text


def money(value: float, *, decimals: int = 2, locale: Locale = "en") -> str:
    """``1234.5`` → ``"€1,234.50"`` (``en``) or ``"1 234,50 €"`` (``fr``)."""
    sign = "-" if value < 0 else ""
    body = _grouped(value, decimals, locale)
    return f"{sign}{body}{_FR_BEFORE_UNIT}€" if locale == "fr" else f"{sign}€{body}"


def count(value: float, *, locale: Locale = "en") -> str:
    """``1234`` → ``"1,234"`` (``en``) or ``"1 234"`` (``fr``); rounded to a whole number."""
    sign = "-" if value < 0 else ""
    return sign + _grouped(round(value), 0, locale)


def counted(value: float, noun: str, plural: str | None = None, *, locale: Locale = "en") -> str:
    """``counted(1, "token")`` → ``"1 token"``, ``counted(1234, "token")`` → ``"1,234 tokens"``;
    ``plural`` for nouns not made with an ``s`` (``"locality", "localities"``)."""
    many = plural if plural is not None else f"{noun}s"
    return f"{count(value, locale=locale)} {noun if round(value) == 1 else many}"


def percent(ratio: float, *, decimals: int = 1, locale: Locale = "en") -> str:
    """``0.1496`` → ``"15.0%"`` (``en``) or ``"15,0 %"`` (``fr``)."""
    body = f"{ratio * 100:.{decimals}f}"
    return f"{body.replace('.', ',')}{_FR_BEFORE_UNIT}%" if locale == "fr" else f"{body}%"
