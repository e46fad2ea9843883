"""Deterministic fake rentals for the sandbox: the data half of ``sandbox`` (no HTTP here).

``generate_rentals(n, seed)`` gives the same rentals for the same ``(n, seed)``. Each rental is
rendered as the API's JSON object by ``render_rental(rental, status_code)``, with the quirks the
real API shows (numbers as strings, ``Type`` in either case, leading zeros in postcodes, ``file``
only once a file exists, ``cost`` absent for some failed rentals).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

__all__ = [
    "CAMPAIGNS",
    "DOWNLOADED_TEXT",
    "OWNERS",
    "Locality",
    "Rental",
    "advance_status",
    "generate_rentals",
    "make_token",
    "render_rental",
    "rental_for_token",
    "rental_pace",
]

#: The vendor's free-text form of status 5.
DOWNLOADED_TEXT = "File downloaded by user from api"
CAMPAIGNS = ("Printemps 2026", "Rentrée", "Soldes d'hiver", "Fête des mères", "Black Friday")
OWNERS = ("camille", "lucas", "manon", "hugo")
_POSTCODES = (
    "75011", "75018", "69003", "13008", "06200", "06000", "01000", "02100", "05000",
    "33000", "31000", "44000", "59000", "67000", "34000", "35000", "38000", "60200",
    "92100", "93100", "94200", "08000", "09100",
)  # fmt: skip
_DEPARTMENTS = ("06", "13", "75", "01", "69", "33", "2A")
_INTERESTS = ("12", "14", "7", "21")
_CATEGORIES = (102, 103)
_COST_UNITS = ("0.090", "0.085", "0.120", "0.075")
_SEXES = ("femme", "homme", "mixte", "f", "h")
#: The lifecycle a rental follows when ``advance_every`` is set; failing rentals go 0 -> 1 -> 3.
_PATH_OK = (0, 1, 2, 5)
_PATH_FAIL = (0, 1, 3)
_FIRST_STATUSES = (0, 1, 2, 3, 5)
_ORDER_START = date(2025, 9, 1)


@dataclass(frozen=True, slots=True)
class Locality:
    """One ``details_localisation`` entry: type as sent (cp, CP, dep), location, volumes."""

    type: str
    location: str
    desired: int
    available: int


@dataclass(frozen=True, slots=True)
class Rental:
    """One generated rental; ``render_rental`` turns it into the API's JSON object."""

    token: str
    status_code: int
    status_style: str  # "int", "str" (digit string) or "text" (only for 5)
    fails: bool  # the rental ends at 3 rather than 5 when advanced
    sexe: str
    min_age: int
    max_age: int
    ages_as_str: bool
    interest: str
    category: int
    localities: tuple[Locality, ...]
    volumes_as_str: bool
    cost_unity: str
    has_cost: bool
    metadata: dict[str, str] = field(default_factory=dict)


def make_token(seed: int, index: int) -> str:
    """A 40-hex token like the vendor's, from the seed and the rental's index."""
    return hashlib.sha1(f"sandbox:{seed}:{index}".encode(), usedforsecurity=False).hexdigest()


def _localities(rng: random.Random) -> tuple[Locality, ...]:
    out: list[Locality] = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.2:
            kind, where = "dep", rng.choice(_DEPARTMENTS)
        else:
            kind, where = rng.choice(("cp", "cp", "CP")), rng.choice(_POSTCODES)
        available = rng.randint(0, 5000)
        roll = rng.random()
        if roll < 0.05:
            desired = 0
        elif roll < 0.2:
            desired = available + rng.randint(1, 500)  # more asked than available
        else:
            desired = rng.randint(1, max(1, available))
        out.append(Locality(kind, where, desired, available))
    return tuple(out)


def _status(rng: random.Random, index: int) -> tuple[int, str]:
    code = _FIRST_STATUSES[index] if index < 5 else rng.choice((0, 1, 2, 2, 3, 5, 5, 5))
    if code == 5 and (index == 4 or rng.random() < 0.4):
        return code, "text"
    return code, "str" if rng.random() < 0.2 else "int"


def _rental(rng: random.Random, token: str, index: int) -> Rental:
    code, style = _status(rng, index)
    min_age = rng.randint(18, 60)
    ordered = _ORDER_START + timedelta(days=rng.randint(0, 250))
    return Rental(
        token=token,
        status_code=code,
        status_style=style,
        fails=code == 3 or rng.random() < 0.1,
        sexe=rng.choice(_SEXES),
        min_age=min_age,
        max_age=rng.randint(min_age + 1, 98),
        ages_as_str=rng.random() < 0.2,
        interest=rng.choice(_INTERESTS),
        category=rng.choice(_CATEGORIES),
        localities=_localities(rng),
        volumes_as_str=rng.random() < 0.85,
        cost_unity=rng.choice(_COST_UNITS),
        has_cost=code != 3 or rng.random() < 0.5,
        metadata={
            "campaign": rng.choice(CAMPAIGNS),
            "ordered_on": ordered.isoformat(),
            "owner": rng.choice(OWNERS),
        },
    )


def generate_rentals(n: int, seed: int = 0) -> list[Rental]:
    """``n`` rentals, the same for the same ``(n, seed)``; the first five cover every status."""
    rng = random.Random(seed)
    return [_rental(rng, make_token(seed, i), i) for i in range(n)]


def rental_for_token(token: str) -> Rental:
    """A rental generated from the token itself (for fault tokens that end in a success)."""
    rng = random.Random(f"token:{token}")
    rental = _rental(rng, token, 5)
    if rental.status_code == 3:  # keep fault-token successes simple: a ready rental
        return _rental(random.Random(f"token2:{token}"), token, 2)
    return rental


def advance_status(rental: Rental, steps: int) -> int:
    """The rental's status after ``steps`` moves along its lifecycle (terminal ones stay put)."""
    # a rental generated ready (2) can only go on to downloaded, whatever ``fails`` says
    path = _PATH_FAIL if rental.fails and rental.status_code in _PATH_FAIL else _PATH_OK
    if rental.status_code not in path:
        return rental.status_code
    position = min(path.index(rental.status_code) + max(steps, 0), len(path) - 1)
    return path[position]


def rental_pace(seed: int, token: str) -> float:
    """How slowly this rental moves when the sandbox advances with time: a factor in [0.5, 2),
    the same for the same ``(seed, token)``, so rentals of one sandbox do not move in step."""
    return 0.5 + 1.5 * random.Random(f"pace:{seed}:{token}").random()


def _status_value(rental: Rental, code: int) -> int | str:
    if code == 5 and rental.status_style == "text":
        return DOWNLOADED_TEXT
    return str(code) if rental.status_style == "str" else code


def _volume(rental: Rental, value: int) -> int | str:
    return str(value) if rental.volumes_as_str else value


def render_rental(rental: Rental, status_code: int | None = None) -> dict[str, Any]:
    """The API's success object for ``rental`` (at ``status_code``, default its own)."""
    code = rental.status_code if status_code is None else status_code
    quantity = sum(loc.desired for loc in rental.localities)
    location: dict[str, Any] = {
        "sexe": rental.sexe,
        "minAge": str(rental.min_age) if rental.ages_as_str else rental.min_age,
        "maxAge": str(rental.max_age) if rental.ages_as_str else rental.max_age,
        "zipcode": ",".join(loc.location for loc in rental.localities if loc.type.lower() == "cp"),
        "interest": rental.interest,
        "category": rental.category,
        "details_localisation": [
            {
                "Type": loc.type,
                "Location": loc.location,
                "VolumeDesired": _volume(rental, loc.desired),
                "Volume": _volume(rental, loc.available),
            }
            for loc in rental.localities
        ],
    }
    if code != 3 or rental.has_cost:
        total = (Decimal(quantity) * Decimal(rental.cost_unity)).quantize(Decimal("0.001"))
        location["cost"] = {
            "quantity": quantity,
            "total": str(total),
            "cost_unity": rental.cost_unity,
        }
    body: dict[str, Any] = {
        "success": True,
        "token": rental.token,
        "status": _status_value(rental, code),
        "location": location,
    }
    if code in (2, 5):
        body["file"] = {"phoneNumbers": str(quantity)}
    return body
