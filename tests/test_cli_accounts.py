"""`grader users` and `grader roster` against the web app's database: what they create works on the web."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from grader.cli.main import main
from tests.web_helpers import login

ROSTER = """student_id,name,email
A001,Ana Díaz,ana@example.edu
A002,Beto Ruiz,no-es-un-correo
A003,Carla Soto,carla@example.edu
"""


@pytest.fixture
def grader_cli(app: Any) -> Any:
    """Run `grader ARGS...` on the app's database (SQLite or PostgreSQL); returns click's result."""
    url = app.config["DATABASE_URL"]

    def run(*args: str, input: str | None = None) -> Result:
        """Run `grader ARGS... --database-url URL`."""
        return CliRunner().invoke(main, [*args, "--database-url", url], input=input)

    return run


def _logs_in(app: Any, username: str, password: str) -> bool:
    """True when the web login form accepts this password."""
    return login(app.test_client(), username, password).status_code == 302


def test_create_teacher_then_log_in_on_the_web(app: Any, grader_cli: Any) -> None:
    """A teacher created on the command line logs in on the web; a second one with that name is refused."""
    created = grader_cli("users", "create-teacher", "profe", "--password", "clave-segura-1")
    assert created.exit_code == 0, created.output
    response = login(app.test_client(), "profe", "clave-segura-1")
    assert response.headers["Location"] == "/teacher/"

    again = grader_cli("users", "create-teacher", "profe", "--password", "clave-segura-1")
    assert again.exit_code == 1 and "already exists" in again.output


def test_create_teacher_prompts_for_a_hidden_password(app: Any, grader_cli: Any) -> None:
    """Without --password the password is asked twice and never echoed."""
    result = grader_cli("users", "create-teacher", "profe", input="clave-segura-2\nclave-segura-2\n")
    assert result.exit_code == 0, result.output
    assert "clave-segura-2" not in result.output, "the typed password is not echoed"
    assert _logs_in(app, "profe", "clave-segura-2")


def test_generated_password_is_printed_and_works(app: Any, grader_cli: Any) -> None:
    """--generate prints a password that logs in."""
    result = grader_cli("users", "create-teacher", "profe", "--generate")
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.stdout).group(1)
    assert _logs_in(app, "profe", password)


def test_short_password_is_refused(app: Any, grader_cli: Any) -> None:
    """A password under the minimum length is refused."""
    result = grader_cli("users", "create-teacher", "profe", "--password", "corta")
    assert result.exit_code == 1 and "at least 8 characters" in result.output


def test_set_password_replaces_the_old_one(app: Any, grader_cli: Any) -> None:
    """set-password replaces the old password; an unknown user is an error."""
    grader_cli("users", "create-teacher", "profe", "--password", "clave-segura-1")
    result = grader_cli("users", "set-password", "profe", "--password", "otra-clave-2")
    assert result.exit_code == 0, result.output
    assert not _logs_in(app, "profe", "clave-segura-1")
    assert _logs_in(app, "profe", "otra-clave-2")
    assert grader_cli("users", "set-password", "nadie", "--password", "otra-clave-2").exit_code == 1


def test_token_output_authenticates_against_the_api(app: Any, grader_cli: Any) -> None:
    """The printed token works against the API until the next one is issued."""
    grader_cli("users", "create-teacher", "profe", "--password", "clave-segura-1")
    first = grader_cli("users", "token", "profe")
    assert first.exit_code == 0, first.output
    token = first.stdout.strip()
    assert "\n" not in token, "the token is alone on stdout, ready for $(grader users token ...)"
    client = app.test_client()
    assert client.get("/api/v1/exercises", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    grader_cli("users", "token", "profe")
    assert client.get("/api/v1/exercises", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    missing = grader_cli("users", "token", "nadie")
    assert missing.exit_code == 1 and "no user 'nadie'" in missing.output


def test_roster_import_reports_the_bad_line_and_imports_the_others(app: Any, grader_cli: Any,
                                                                   tmp_path: Path) -> None:
    """The bad line is reported by number (exit 1); the others are imported and their printed passwords work."""
    roster = tmp_path / "lista.csv"
    roster.write_text(ROSTER, encoding="utf-8-sig")  # with the BOM spreadsheets write
    result = grader_cli("roster", "import", str(roster))
    assert result.exit_code == 1
    assert "line 3: 'no-es-un-correo' is not an email address" in result.stderr
    assert "2 created, 0 updated, 1 errors" in result.stderr
    passwords = dict(line.split(",") for line in result.stdout.splitlines()[1:])
    assert set(passwords) == {"A001", "A003"}
    assert all(_logs_in(app, user, password) for user, password in passwords.items())


def test_roster_passwords_go_to_a_private_file_when_asked(app: Any, grader_cli: Any, tmp_path: Path) -> None:
    """--passwords-out writes a 0600 file (even over a wider one) and prints no password."""
    roster = tmp_path / "lista.csv"
    roster.write_text("student_id,name,email\nA001,Ana Díaz,ana@example.edu\n", encoding="utf-8")
    out = tmp_path / "claves.csv"
    out.write_text("old")
    out.chmod(0o644)
    result = grader_cli("roster", "import", str(roster), "--passwords-out", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    header, line = out.read_text().splitlines()
    username, password = line.split(",")
    assert (header, username) == ("username,password", "A001")
    assert password not in result.stdout + result.stderr
    assert _logs_in(app, "A001", password)

    again = grader_cli("roster", "import", str(roster), "--passwords-out", str(out))
    assert "0 created, 1 updated, 0 errors" in again.stderr
    assert out.read_text().splitlines()[1] == line, "an import that creates no one keeps the earlier passwords"


def test_roster_import_reads_an_old_excel_file_and_says_so(app: Any, grader_cli: Any, tmp_path: Path) -> None:
    """A `;`-separated Windows-1252 file is imported, with a note to check the accents; a bad header is refused."""
    roster = tmp_path / "lista.csv"
    roster.write_bytes("student_id;name;email\r\nA001;Íñigo Muñoz;inigo@example.edu\r\n".encode("cp1252"))
    result = grader_cli("roster", "import", str(roster))
    assert result.exit_code == 0, result.output
    assert "note: The file was not UTF-8: it was read as Windows-1252" in result.stderr
    assert "1 created, 0 updated, 0 errors" in result.stderr
    roster.write_text("id;nombre\nA002;Ana\n", encoding="utf-8")
    refused = grader_cli("roster", "import", str(roster))
    assert refused.exit_code == 1 and "error: line 1: missing columns `student_id`, `name`, `email`" in refused.stderr
