"""Every interface string exists in Spanish (as written) and English, and the switch is remembered."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from grader.web.i18n import EN

WEB = Path(__file__).resolve().parent.parent / "grader" / "web"
# _("..."), _('...') in templates; gettext("...") in views. Adjacent string literals are not used there.
CALLS = re.compile(r"""\b(?:_|gettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def _interface_strings() -> set[str]:
    """Spanish strings passed to the translation functions in the web package."""
    found: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        for double, single in CALLS.findall(path.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def test_every_interface_string_has_an_english_translation(app: Any) -> None:
    """No `_()` string is left without English (the app is built so that every blueprint registered its texts)."""
    strings = _interface_strings()
    assert len(strings) > 40  # the scan itself works
    missing = sorted(s for s in strings if s not in EN)
    assert missing == []


def test_language_switch_is_remembered_in_the_session(client: Any, accounts: Any) -> None:
    """Spanish by default; ?lang=en switches the page and the choice sticks for later pages."""
    assert "Entrar" in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in english and '<html lang="en">' in english
    assert "Log in" in client.get("/login").get_data(as_text=True)
