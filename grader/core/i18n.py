"""Bilingual text: every message a student reads exists in Spanish (first) and English."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Lang = Literal["es", "en"]


class Text(BaseModel):
    """A message in Spanish and English; Spanish is the course language and the default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    es: str
    en: str

    def get(self, lang: Lang = "es") -> str:
        """Return the message in `lang`."""
        return self.es if lang == "es" else self.en


def t(es: str, en: str) -> Text:
    """Shorthand constructor used by check kinds to write their messages."""
    return Text(es=es, en=en)


class Refused(ValueError):
    """A request that cannot be carried out; `message` says why and what to do, in both languages.

    `str()` is the English text, for logs and the command line.
    """

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


# Scores are shown and exported with at most this many decimals, everywhere.
SCORE_DECIMALS = 2


def round_score(value: float) -> float:
    """`value` rounded the one way scores are shown and exported (2 decimals, half away from zero)."""
    scaled = abs(value) * 10**SCORE_DECIMALS
    rounded = int(scaled + 0.5 + 1e-9) / 10**SCORE_DECIMALS
    return rounded if value >= 0 else -rounded


def format_score(value: float, lang: Lang = "es") -> str:
    """A score as people read it: up to 2 decimals, no trailing zeros, decimal comma in Spanish (10,33)."""
    text = f"{round_score(value):.{SCORE_DECIMALS}f}".rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return text.replace(".", ",") if lang == "es" else text
