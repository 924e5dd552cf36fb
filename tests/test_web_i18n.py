"""Every interface string exists in Spanish (as written) and English, and the switch is remembered."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from grader.web.catalogs import TRANSLATIONS, catalog_problems
from grader.web.i18n import filesize, when

WEB = Path(__file__).resolve().parent.parent / "grader" / "web"
# _("..."), _('...') in templates; gettext("...") in views. Adjacent string literals are not used there.
CALLS = re.compile(r"""\b(?:_|gettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
# A visible word is Spanish if it has a Spanish letter or is one of the commonest short Spanish words
# (lower case, so that the ES/EN switch and code-like labels do not count).
SPANISH_LETTER = re.compile(r"[áéíóúüñ¿¡]", re.IGNORECASE)
SPANISH_WORDS = frozenset({"de", "la", "el", "los", "las", "del", "al", "para", "con", "por", "una", "un", "que",
                           "es", "tu", "tus", "sin", "se", "su", "y", "o", "en", "no", "hay", "ver", "ya", "más"})


def _interface_strings() -> set[str]:
    """Spanish strings passed to the translation functions in the web package."""
    found: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        for double, single in CALLS.findall(path.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


class _VisibleText(HTMLParser):
    """Text a reader sees in a template once its Jinja parts are removed: text nodes outside code, and the
    attributes read aloud or shown (title, aria-label, placeholder, alt)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter code (not prose) or collect readable attributes."""
        self._hidden += tag in ("script", "style", "code", "pre")
        self.texts += [v for k, v in attrs if k in ("title", "aria-label", "placeholder", "alt") and v]

    def handle_endtag(self, tag: str) -> None:
        """Leave code."""
        self._hidden -= tag in ("script", "style", "code", "pre")

    def handle_data(self, data: str) -> None:
        """A text node outside code."""
        if not self._hidden and data.strip():
            self.texts.append(data)


def _spanish_words(template: str) -> list[str]:
    """Spanish words a template shows outside `_()` (everything inside {{ }} / {% %} is removed first)."""
    parser = _VisibleText()
    parser.feed(JINJA.sub(" ", template))
    words = (w for text in parser.texts for w in re.findall(r"[^\W\d_]+", text))
    return [w for w in words if SPANISH_LETTER.search(w) or w in SPANISH_WORDS]


def test_templates_show_no_spanish_outside_the_translation_function() -> None:
    """Text written straight into a template would stay Spanish in English mode."""
    assert _spanish_words('<p title="Página">{{ _("Nota") }} de la entrega <code>año</code></p>') == [
        "Página", "de", "la"]  # the scan finds what it must and skips code and translated text
    found = {str(p.relative_to(WEB)): _spanish_words(p.read_text(encoding="utf-8"))
             for p in WEB.rglob("*.html")}
    assert {path: words for path, words in found.items() if words} == {}


def english_catalog() -> dict[str, object]:
    """The English gettext catalog: Spanish string -> English."""
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(handle) if m.id}


def test_every_interface_string_has_an_english_translation() -> None:
    """No `_()` string is left without English in the catalog (`make i18n` checks the same with pybabel)."""
    strings = _interface_strings()
    assert len(strings) > 40  # the scan itself works
    english = english_catalog()
    assert sorted(s for s in strings if not english.get(s)) == []


def test_the_catalog_check_names_missing_untranslated_and_stale_strings(tmp_path: Path) -> None:
    """What `make i18n` fails on: a string with no entry, an empty translation, an entry no page uses, a .mo
    that is not its .po."""
    template = Catalog()
    for message_id in ("Entrar", "Salir", "Nuevo"):
        template.add(message_id)
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid "Entrar"\nmsgstr "Connexion"\n\nmsgid "Salir"\nmsgstr ""\n\n'
                                        'msgid "Viejo"\nmsgstr "Ancien"\n', encoding="utf-8")
    assert catalog_problems(template, tmp_path) == [
        "fr: missing: 'Nuevo'", "fr: untranslated: 'Salir'", "fr: no longer used: 'Viejo'",
        f"fr: messages.mo is missing: run pybabel compile -d {tmp_path}"]
    # the real catalogs against the strings the pages use
    real = Catalog()
    for message_id in _interface_strings():
        real.add(message_id)
    assert [p for p in catalog_problems(real) if "no longer used" not in p] == []


def test_language_switch_is_remembered_in_the_session(client: Any, accounts: Any) -> None:
    """Spanish by default; ?lang=en switches the page and the choice sticks for later pages."""
    assert "Entrar" in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in english and '<html lang="en">' in english
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_language_switch_stays_on_the_page_with_its_parameters(client: Any, accounts: Any) -> None:
    """The ES/EN links point at the current page with its query kept (one `lang`), and `<html lang>` follows."""
    page = client.get("/login?next=/assignments&lang=es").get_data(as_text=True)
    assert 'href="/login?next=%2Fassignments&amp;lang=en"' in page
    assert 'href="/login?next=%2Fassignments&amp;lang=es"' in page and '<html lang="es">' in page
    english = client.get("/login?next=%2Fassignments&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Log in" in english
    missing = client.get("/no-such-page").get_data(as_text=True)
    assert 'href="/no-such-page?lang=es"' in missing and "Page not found." in missing
    # A page answering a POST to an address that has no GET switches on the page the form came from.
    refused = client.post("/logout", headers={"Referer": "http://localhost/assignments?x=1"})
    assert refused.status_code == 400 and 'href="/assignments?lang=es"' in refused.get_data(as_text=True)


def test_when_shows_utc_times_in_the_course_zone_even_without_tzinfo(app: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`|when` converts to the course's zone and names it; a naive datetime counts as UTC, whatever the
    server's own clock is set to (here New York's)."""
    web = app.extensions["grader"]
    web.course = web.course.model_copy(update={"timezone": "Europe/Madrid"})
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with app.app_context():
            assert when(datetime(2027, 6, 30, 21, 59, tzinfo=UTC)) == "2027-06-30 23:59 CEST"
            assert when(datetime(2027, 1, 15, 12, 0)) == "2027-01-15 13:00 CET"
            assert when(None) == ""
    finally:
        monkeypatch.undo()
        time.tzset()


def test_file_sizes_read_the_page_s_language_way(app: Any) -> None:
    """A data file's size: bytes below a kilobyte (not '0.0 KB'), then kB and MB with the language's decimal
    mark."""
    for lang, expected in (("es", ["22 B", "12,4 kB", "3,1 MB"]), ("en", ["22 B", "12.4 kB", "3.1 MB"])):
        with app.test_request_context(f"/?lang={lang}"):
            assert [filesize(n) for n in (22, 12_400, 3_100_000)] == expected
