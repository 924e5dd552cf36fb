"""The interface's language: Spanish by default, English on request, kept in the session.

Templates write Spanish (the course language) inside `_()`; English comes from `EN`. A test checks that
every `_()` string in the templates and blueprints has its English entry, so none is left half-translated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from flask import current_app, request, session
from werkzeug.exceptions import HTTPException

from grader.core.i18n import LOCALES, Lang, Text, format_number, format_score

LANGS: tuple[Lang, ...] = ("es", "en")

EN: dict[str, str] = {
    "Calificador": "Grader",
    "Entrar": "Log in",
    "Salir": "Log out",
    "Usuario": "Username",
    "Contraseña": "Password",
    "Usuario o contraseña incorrectos.": "Wrong username or password.",
    "Demasiados intentos fallidos: espera 15 minutos antes de volver a intentarlo.":
        "Too many failed attempts: wait 15 minutes before trying again.",
    "Inicia sesión para continuar.": "Log in to continue.",
    "No tienes permiso para ver esta página.": "You are not allowed to see this page.",
    "Página no encontrada.": "Page not found.",
    "El archivo es demasiado grande.": "The file is too large.",
    "Esa acción no se puede hacer así en esta página.": "That action cannot be done this way on this page.",
    "Demasiadas peticiones: espera un momento.": "Too many requests: wait a moment.",
    "Volver al inicio": "Back to the start",
    "Tareas": "Assignments",
    "Ejercicio": "Exercise",
    "Estado": "Status",
    "Plazo": "Deadline",
    "Intentos": "Attempts",
    "Nota": "Score",
    "Sin empezar": "Not started",
    "En cola": "Queued",
    "Calificando": "Grading",
    "Calificado": "Graded",
    "Error": "Error",
    "Pendiente": "Pending",
    "Enunciado": "Statement",
    "Código inicial": "Starter code",
    "Tu código": "Your code",
    "o sube un archivo .py / .ipynb": "or upload a .py / .ipynb file",
    "Enviar": "Submit",
    "Intentos restantes": "Attempts left",
    "ilimitados": "unlimited",
    "Entregas tardías hasta": "Late submissions until",
    "con una penalización de": "with a penalty of",
    "Historial de intentos": "Attempt history",
    "Todavía no has enviado nada.": "You have not submitted anything yet.",
    "Entrega": "Submission",
    "Recibida": "Received",
    "Resultado": "Result",
    "Comprobación": "Check",
    "Puntos": "Points",
    "Pista": "Hint",
    "Tu entrega está guardada y en cola; esta página se actualiza sola.":
        "Your submission is saved and queued; this page updates itself.",
    "Entrega recibida y en cola.": "Submission received and queued.",
    "Escribe código o elige un archivo.": "Write code or choose a file.",
    "Tarde": "Late",
    "Abre el": "Opens on",
    "Cerrado": "Closed",
    "Ir al contenido": "Skip to content",
    "Idioma": "Language",
    "Libro de notas": "Gradebook",
    "Analítica": "Analytics",
    "Estudiantes": "Students",
    "Exportar": "Export",
    "Volver": "Back",
    "Notas y observaciones": "Notes",
    "Pendiente de revisión por el profesor": "Waiting for the teacher's review",
    "Nota final": "Final score",
    "automática": "automatic",
    "Ver entrega": "View submission",
    "Error de la entrega": "Submission error",
    "La red y su entrenamiento": "The network and its training",
    "Parámetros por capa": "Parameters per layer",
    "Lo que dicen las curvas": "What the curves say",
    "Variables del cuestionario: responde en tu código o sube un archivo de respuestas.":
        "Quiz variables: answer in your code or upload an answers file.",
}


def add_translations(entries: dict[str, str]) -> None:
    """Register English for a blueprint's own Spanish strings (each blueprint keeps its texts beside it).

    Raises ValueError when a string already has a different English: which one won would depend on the order
    the modules happen to be imported in."""
    clashes = sorted(s for s, english in entries.items() if EN.get(s, english) != english)
    if clashes:
        raise ValueError(f"different English already registered for: {clashes}")
    EN.update(entries)


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


def gettext(spanish: str) -> str:
    """`spanish` in the current language."""
    return EN.get(spanish, spanish) if current_lang() == "en" else spanish


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
    shown, lang = format_score(value, current_lang()), current_lang()
    one = shown == "1"
    return f"{shown} {'punto' if one else 'puntos'}" if lang == "es" else f"{shown} {'point' if one else 'points'}"


def seconds(value: float | None) -> str:
    """Jinja filter `seconds`: a duration with the current language's decimal mark ('0,7 s')."""
    return "" if value is None else f"{format_number(value, current_lang(), significant=2)} s"


def percent(value: float | None) -> str:
    """Jinja filter `percent`: a fraction as a whole percentage the current language's way ('42 %', '42%')."""
    from babel.numbers import format_percent

    return "" if value is None else format_percent(value, locale=LOCALES[current_lang()])
