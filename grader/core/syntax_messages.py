"""Compiling a submission, and CPython's syntax errors (SyntaxError, IndentationError, TabError) in the
student's language.

Python writes them in English only. `translate` gives the Spanish of the messages students meet most (the
table below, checked against real `compile()` errors of Python 3.11 in tests/test_sources.py) and keeps the
English one as Python wrote it; an unknown message gets a generic Spanish sentence with the English original
in parentheses, so nothing is ever hidden. Line numbers Python cites ("on line 7", "detected at line 7") count
lines of the code that was compiled: both languages show them as the student finds them (a notebook's cell).
"""

from __future__ import annotations

import ast
import re
import threading
import warnings
from collections.abc import Callable

from grader.core.i18n import Text, t

# Python's tokenizer only breaks lines on these; str.splitlines() would also split on \f, \x1c, \u2028...
LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SNIPPET_CHARS = 80
COLAB_ESCAPES = ("%", "!")  # a line starting with one is a Colab command, not Python

Locate = Callable[[int], Text]

# What "cannot assign to X" / "cannot delete X" / "X is an illegal expression" name, in Spanish.
_TARGETS = {
    "function call": "una llamada a función", "literal": "un valor literal", "expression": "una expresión",
    "comparison": "una comparación", "conditional expression": "una expresión condicional",
    "lambda": "una función lambda", "generator expression": "una expresión generadora",
    "list comprehension": "una lista por comprensión", "dict comprehension": "un diccionario por comprensión",
    "set comprehension": "un conjunto por comprensión", "f-string expression": "una expresión de f-string",
    "ellipsis": "la elipsis (...)", "named expression": "una expresión con :=", "await expression":
    "una expresión await", "attribute": "un atributo", "subscript": "un índice", "tuple": "una tupla",
    "list": "una lista", "dict literal": "un diccionario literal", "set display": "un conjunto literal",
    "keyword": "una palabra reservada", "True": "True", "False": "False", "None": "None",
    "__debug__": "__debug__",
}
# "expected an indented block after X on line N": what X is, in Spanish.
_BLOCK_OWNERS = {"function definition": "la definición de la función", "class definition":
                 "la definición de la clase"}
_LITERALS = {"hexadecimal": "hexadecimal", "octal": "octal", "binary": "binario"}

_REST_OF_FILE = "falta cerrar un paréntesis, un corchete, una llave, una cadena o un bloque"
# (pattern matching the whole English message, Spanish template). `{where}` is the located `line` group;
# `{target}` / `{owner}` / `{kind}` come from the tables above; any other `{name}` is the group as written.
_RULES: tuple[tuple[str, str], ...] = (
    (r"invalid syntax", "sintaxis no válida: Python no entiende esta línea tal como está escrita"),
    (r"invalid syntax\. Perhaps you forgot a comma\?", "sintaxis no válida. ¿Quizá olvidaste una coma?"),
    (r"invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?",
     "sintaxis no válida. ¿Quizá querías poner '==' o ':=' en lugar de '='?"),
    (r"expected '(?P<token>[^']+)'", "se esperaba '{token}'"),
    (r"expecting '(?P<token>[^']+)'", "se esperaba '{token}'"),
    (r"expected 'else' after 'if' expression", "falta 'else' en la expresión condicional ('x if c else y')"),
    (r"expected 'except' or 'finally' block", "después de un bloque 'try' se esperaba 'except' o 'finally'"),
    (r"unexpected indent", "sangría inesperada: esta línea empieza con más espacios que la anterior"),
    (r"expected an indented block after '(?P<keyword>\w+)' statement on line (?P<line>\d+)",
     "se esperaba un bloque con sangría después de la sentencia '{keyword}' de la {where}"),
    (r"expected an indented block after (?P<owner>function definition|class definition) on line (?P<line>\d+)",
     "se esperaba un bloque con sangría después de {owner} de la {where}"),
    (r"expected an indented block", "se esperaba un bloque con sangría"),
    (r"unindent does not match any outer indentation level",
     "la sangría de esta línea no coincide con la de ningún bloque anterior"),
    (r"inconsistent use of tabs and spaces in indentation",
     "la sangría mezcla tabuladores y espacios: usa solo espacios (4 por nivel)"),
    (r"unterminated string literal \(detected at line (?P<line>\d+)\)",
     "cadena de texto sin cerrar (detectada en la {where}): falta la comilla final"),
    (r"unterminated triple-quoted string literal \(detected at line (?P<line>\d+)\)",
     "cadena de triple comilla sin cerrar (detectada en la {where}): faltan las tres comillas finales"),
    (r"EOL while scanning string literal", "cadena de texto sin cerrar al final de la línea: falta la comilla final"),
    (r"EOF while scanning triple-quoted string literal",
     "el archivo terminó dentro de una cadena de triple comilla: faltan las tres comillas finales"),
    (r"unexpected EOF while parsing", f"el código terminó antes de tiempo: {_REST_OF_FILE}"),
    (r"'(?P<bracket>.)' was never closed", "el '{bracket}' no se cerró nunca"),
    (r"unmatched '(?P<bracket>.)'", "'{bracket}' sin pareja: no hay ningún paréntesis abierto que cierre"),
    (r"closing parenthesis '(?P<closing>.)' does not match opening parenthesis '(?P<opening>.)'",
     "el '{closing}' no cierra el '{opening}' que está abierto"),
    (r"closing parenthesis '(?P<closing>.)' does not match opening parenthesis '(?P<opening>.)' "
     r"on line (?P<line>\d+)", "el '{closing}' no cierra el '{opening}' abierto en la {where}"),
    (r"invalid character '(?P<char>.+)' \((?P<code>U\+[0-9A-F]+)\)",
     "carácter no válido '{char}' ({code}): suele venir de copiar y pegar; escríbelo con el teclado"),
    (r"invalid non-printable character (?P<code>U\+[0-9A-F]+)",
     "carácter invisible no válido ({code}): borra la línea y escríbela de nuevo"),
    (r"unexpected character after line continuation character",
     "hay algo después de la barra '\\' de continuación de línea: debe ser lo último de la línea"),
    (r"cannot assign to (?P<target>.+?)(?: here)?\. Maybe you meant '==' instead of '='\?",
     "no se puede asignar a {target}. ¿Quizá querías comparar con '==' en lugar de '='?"),
    (r"cannot assign to (?P<target>.+?)(?: here)?", "no se puede asignar a {target}"),
    (r"cannot delete (?P<target>.+)", "no se puede borrar {target}"),
    (r"'(?P<target>.+)' is an illegal expression for augmented assignment",
     "no se puede usar {target} con una asignación aumentada (+=, -=...)"),
    (r"Missing parentheses in call to '(?P<name>\w+)'\. Did you mean (?P=name)\(\.\.\.\)\?",
     "faltan los paréntesis en la llamada a '{name}'. ¿Querías decir {name}(...)? En Python 3 es una función"),
    (r"invalid decimal literal", "número no válido: un nombre no puede empezar por una cifra, y entre un número "
     "y un nombre falta un operador"),
    (r"invalid (?P<kind>hexadecimal|octal|binary) literal", "número {kind} no válido"),
    (r"invalid digit '(?P<digit>.)' in (?P<kind>octal|binary) literal",
     "la cifra '{digit}' no vale en un número {kind}"),
    (r"leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
     "un número entero no puede empezar por 0 (para un número octal usa el prefijo 0o)"),
    (r"'(?P<keyword>return|yield|await)' outside function", "'{keyword}' fuera de una función"),
    (r"'(?P<keyword>break)' outside loop", "'{keyword}' fuera de un bucle"),
    (r"'continue' not properly in loop", "'continue' fuera de un bucle"),
    (r"positional argument follows keyword argument",
     "un argumento sin nombre va después de uno con nombre: pon primero los que no llevan nombre"),
    (r"positional argument follows keyword argument unpacking",
     "un argumento sin nombre va después de un desempaquetado **"),
    (r"iterable argument unpacking follows keyword argument unpacking", "un desempaquetado * va después de uno **"),
    (r"non-default argument follows default argument",
     "un parámetro sin valor por defecto va después de uno con valor por defecto"),
    (r"duplicate argument '(?P<name>\w+)' in function definition",
     "el parámetro '{name}' está repetido en la definición de la función"),
    (r"named arguments must follow bare \*", "después de un '*' solo debe venir algún parámetro con nombre"),
    (r"Generator expression must be parenthesized", "la expresión generadora debe ir entre paréntesis"),
    (r"expression expected after dictionary key and ':'", "falta el valor después de la clave y ':' del diccionario"),
    (r"':' expected after dictionary key", "falta ':' después de la clave del diccionario"),
    (r"can't use starred expression here", "no se puede usar una expresión con '*' aquí"),
    (r"name '(?P<name>\w+)' is (?:assigned to before|used prior to) (?P<scope>global|nonlocal) declaration",
     "'{name}' se usa antes de su declaración {scope}"),
    (r"nonlocal declaration not allowed at module level", "'nonlocal' solo vale dentro de una función"),
    (r"\(unicode error\) 'unicodeescape' codec can't decode bytes in position (?P<position>[\d-]+): .+",
     "escape '\\' no válido en una cadena (posiciones {position}): en una ruta de Windows escribe r'C:\\...' "
     "o usa '/'"),
    (r"f-string expression part cannot include a backslash",
     "la parte entre llaves de un f-string no puede contener '\\'"),
    (r"empty expression not allowed", "no se permiten llaves vacías '{{}}'"),
    (r"single '\}' is not allowed", "no se permite una '}}' sola (escribe '}}}}' para una llave literal)"),
    (r"invalid conversion character: expected 's', 'r', or 'a'",
     "carácter de conversión no válido después de '!': se esperaba 's', 'r' o 'a'"),
    (r"expressions nested too deeply", "expresiones anidadas a demasiada profundidad"),
)
_COMPILED = tuple((re.compile(pattern), spanish) for pattern, spanish in _RULES)
_LINE_REFERENCE = re.compile(r"\b(on|at) line (\d+)")


def _spanish(message: str, locate: Locate) -> str | None:
    """The Spanish of one English message, or None when the table does not know it."""
    if message.startswith("f-string: "):
        inner = _spanish(message.removeprefix("f-string: "), locate)
        return None if inner is None else f"en un f-string, {inner}"
    for pattern, spanish in _COMPILED:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        groups = {name: value for name, value in found.groupdict().items() if value is not None}
        if "line" in groups:
            groups["where"] = locate(int(groups["line"])).es
        if "target" in groups:
            groups["target"] = _TARGETS.get(groups["target"], f"'{groups['target']}'")
        if "owner" in groups:
            groups["owner"] = _BLOCK_OWNERS[groups["owner"]]
        if "kind" in groups:
            groups["kind"] = _LITERALS[groups["kind"]]
        return spanish.format(**groups)
    return None


def translate(message: str, *, locate: Locate) -> Text:
    """CPython's syntax error `message` in Spanish and English (Python's own words), with the line numbers it
    cites shown by `locate` (a line of the compiled code -> where the student sees it)."""
    english = _LINE_REFERENCE.sub(lambda m: f"{m.group(1)} {locate(int(m.group(2))).en}", message)
    spanish = _spanish(message, locate)
    if spanish is None:
        spanish = f"Python no puede interpretar esta línea (en inglés: «{english}»)"
    return t(spanish, english)


def snippet(line: str, limit: int = _SNIPPET_CHARS) -> str:
    """`line` without surrounding blanks, cut to `limit` characters with an ellipsis."""
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!", ")")) else text + "."


def describe(error: SyntaxError, *, filename: str, code: str, script: bool, locate: Locate) -> Text:
    """The whole message for a submission that does not compile: the file, where (as `locate` shows a line of
    `code`), the offending line, what is wrong in the student's language, and what to do. `script`: a .py,
    where a Colab `!`/`%` command is worth its own explanation."""
    lineno = error.lineno or 1
    code_lines = LINE_BREAK.split(code)
    text = error.text or (code_lines[lineno - 1] if lineno <= len(code_lines) else "")
    where, shown = locate(lineno), f" `{snippet(text)}`" if text.strip() else ""
    what = translate(error.msg, locate=locate)
    es = en = ""
    if script and text.lstrip().startswith(COLAB_ESCAPES):
        es = " Los comandos `!` y `%` de Colab solo valen en cuadernos .ipynb: quítalos del .py."
        en = " Colab `!` and `%` commands only work in .ipynb notebooks: remove them from the .py."
    spanish = what.es[:1].upper() + what.es[1:]
    return t(f"Error de sintaxis en `{filename}`, {where.es}:{shown} — {_sentence(spanish)} Corrige esa línea y "
             f"vuelve a enviar el archivo.{es}", f"Syntax error in `{filename}`, {where.en}:{shown} — "
             f"{_sentence(what.en)} Fix that line and submit the file again.{en}")


class UnparsableCode(Exception):
    """Code that Python cannot parse; `message` says where and why, in both languages, and what to do."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.es)
        self.message = message


# Python 3.11 builds a syntax tree's objects with one recursion counter per interpreter: two threads doing it at
# once (a batch's two grading threads) can trip "SystemError: AST constructor recursion depth mismatch". Every
# syntax tree the grader builds goes through `tree_of`, one at a time (a parse takes milliseconds).
_TREES = threading.Lock()


def tree_of(code: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse(code, filename)`, safe to call from several threads at once; SyntaxWarnings silenced (under
    `-W error` one would surface as an error)."""
    tree = _tree(code, filename, "exec")
    assert isinstance(tree, ast.Module)
    return tree


def expression_of(text: str) -> ast.Expression:
    """`ast.parse(text, mode="eval")`, as safe as `tree_of`."""
    tree = _tree(text, "<expression>", "eval")
    assert isinstance(tree, ast.Expression)
    return tree


def _tree(code: str, filename: str, mode: str) -> ast.AST:
    with _TREES, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile(code, filename, mode, flags=ast.PyCF_ONLY_AST, dont_inherit=True)


def parse(code: str, *, filename: str, script: bool, locate: Locate) -> ast.Module:
    """The syntax tree of a submission's `code` (never run), or UnparsableCode: a syntax error as `describe`
    tells it, or code nested too deeply or too complex for Python's parser."""
    try:
        tree = tree_of(code, filename)
    except SyntaxError as exc:
        raise UnparsableCode(describe(exc, filename=filename, code=code, script=script, locate=locate)) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        kind = type(exc).__name__
        raise UnparsableCode(t(
            f"No se pudo analizar `{filename}`: el código está anidado a demasiada profundidad o es demasiado "
            f"complejo para Python ({kind}). Simplifica esas expresiones y vuelve a enviarlo.",
            f"Could not parse `{filename}`: the code is nested too deeply or is too complex for Python ({kind}). "
            "Simplify those expressions and submit it again.")) from None
    assert isinstance(tree, ast.Module)
    return tree
