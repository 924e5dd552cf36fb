"""The interface's language: Spanish by default, English on request, kept in the session.

Templates and views write Spanish (the course language) inside `_()`, `gettext()` and `ngettext()`; the other
languages are gettext catalogs (grader/web/translations, extracted with `pybabel extract -F babel.cfg`), so a
new language is a catalog. `make i18n` fails when a string has no translation. Numbers, percentages and
plurals follow the language's Babel locale.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, request, session
from flask_babel import Babel, gettext, ngettext
from werkzeug.exceptions import HTTPException

from grader.core.i18n import LOCALES, Lang, Text, format_number, format_score

LANGS: tuple[Lang, ...] = ("es", "en")
__all__ = ["LANGS", "N_", "gettext", "ngettext"]

TRANSLATIONS = "translations"  # grader/web/translations/<lang>/LC_MESSAGES/messages.po (and .mo)


def N_(spanish: str) -> str:
    """Mark `spanish` for `pybabel extract` (one of its default keywords) where the page translates it later
    from a table (`_(kinds[kind])`); the string itself is returned unchanged."""
    return spanish


def init_locale(app: Flask) -> None:
    """Flask-Babel over the gettext catalogs, in the language `current_lang` picks for each request.

    Our own Jinja globals call it (see create_app): Flask-Babel's Jinja set-up would %-format every string."""
    Babel(app, locale_selector=current_lang, default_locale="es", default_translation_directories=TRANSLATIONS,
          configure_jinja=False)


def current_lang() -> Lang:
    """The language of this request: `?lang=` switches and is remembered, else the session's, else Spanish."""
    asked = request.args.get("lang")
    if asked in LANGS:
        session["lang"] = asked
    lang = session.get("lang", "es")
    return lang if lang in LANGS else "es"


def lang_url(lang: Lang) -> str:
    """This page's address with `?lang=lang`, keeping its other query parameters, so that switching the
    language stays on the page (filters, pages and ?next= included). A page rendered in answer to a form
    whose address cannot be opened (a refused override) switches on the page the form was sent from."""
    path, kept = request.path, [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    if request.method not in ("GET", "HEAD"):
        try:
            current_app.url_map.bind_to_environ(request.environ).match(path, method="GET")
        except HTTPException:
            path, kept = urlsplit(request.referrer or "").path or "/", []
    return f"{request.script_root}{path}?{urlencode([*kept, ('lang', lang)])}"


def tr(text: Text | dict[str, str] | None) -> str:
    """A bilingual `Text` (or its stored JSON form) in the current language."""
    if text is None:
        return ""
    if isinstance(text, dict):
        text = Text.model_validate(text)
    return text.get(current_lang())


def score(value: float | None) -> str:
    """Jinja filter `score`: a score rounded to 2 decimals, with the current language's decimal mark."""
    return "" if value is None else format_score(value, current_lang())


def when(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Jinja filter `when`: a UTC timestamp in the course's time zone, with the zone's abbreviation shown
    (`2027-06-30 23:59 CEST`), so nobody has to guess which clock a deadline follows."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored and configured times are UTC; astimezone would read the server's clock
        moment = moment.replace(tzinfo=UTC)
    zone = current_app.extensions["grader"].course.zone
    local = moment.astimezone(zone)
    return f"{local.strftime(fmt)} {local.tzname()}"


def points(value: float | None) -> str:
    """Jinja filter `points`: a number of points with its word in the current language ('1 punto',
    '2 puntos', '1,5 puntos'; '1 point', '2 points')."""
    if value is None:
        return ""
    shown = format_score(value, current_lang())
    return ngettext("%(shown)s punto", "%(shown)s puntos", 1 if shown == "1" else 2, shown=shown)


def seconds(value: float | None) -> str:
    """Jinja filter `seconds`: a duration with the current language's decimal mark ('0,7 s')."""
    return "" if value is None else f"{format_number(value, current_lang(), significant=3)} s"


def percent(value: float | None) -> str:
    """Jinja filter `percent`: a fraction as a whole percentage the current language's way ('42 %', '42%')."""
    from babel.numbers import format_percent

    return "" if value is None else format_percent(value, locale=LOCALES[current_lang()])


def filesize(value: int | None) -> str:
    """Jinja filter `filesize`: a file's size the current language's way ('812 B', '12,4 kB', '3,1 MB'), so a
    small data file does not read '0.0 KB'."""
    if value is None:
        return ""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if value >= scale:
            return f"{format_number(value / scale, current_lang(), significant=3)} {unit}"
    return f"{format_number(value, current_lang())} B"

