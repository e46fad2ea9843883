"""``Frames``: the tidy tables every chart, report and dashboard is built on."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Frames"]


@dataclass
class Frames:
    """The four tables of the data dictionary (``docs/data-dictionary.md``).

    ``rentals``: one row per token whose latest answer is a success (+ token metadata columns);
    ``localisations``: one row per ``details_localisation`` entry; ``errors``: one row per token
    whose latest answer is not a success; ``history``: every stored answer over time.
    """

    rentals: pd.DataFrame
    localisations: pd.DataFrame
    errors: pd.DataFrame
    history: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        return (
            f"Frames(rentals={len(self.rentals)}, localisations={len(self.localisations)}, "
            f"errors={len(self.errors)}, history={len(self.history)})"
        )
