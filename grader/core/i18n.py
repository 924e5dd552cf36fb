"""Bilingual text: every message a student reads exists in Spanish (first) and English."""

from __future__ import annotations

import math
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


# The locale each interface language formats numbers in (Babel's CLDR data): Spain's Spanish, and English.
LOCALES: dict[Lang, str] = {"es": "es_ES", "en": "en"}


def format_number(value: float, lang: Lang = "es", *, significant: int = 4) -> str:
    """A number in a message as people of `lang` read it: thousands grouped and a decimal comma in Spanish
    (12.560, 0,58), at most `significant` significant digits for a measured value; whole numbers exactly."""
    from babel.numbers import format_decimal

    if isinstance(value, int) or (math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15):
        return format_decimal(int(value), locale=LOCALES[lang])
    if not math.isfinite(value):
        return str(value)
    rounded = float(f"{value:.{significant}g}")
    return format_decimal(rounded, format="#,##0.##########", locale=LOCALES[lang])


def format_numbers(value: float, *, significant: int = 4) -> Text:
    """`value` formatted for both languages (for building a Text)."""
    return Text(es=format_number(value, "es", significant=significant),
                en=format_number(value, "en", significant=significant))
