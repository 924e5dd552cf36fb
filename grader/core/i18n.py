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
