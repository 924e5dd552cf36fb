"""`grader lti ...`: what an LMS administrator enters, a key pair for the tool, and the score outbox."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from grader.course.course import DEFAULT_COURSE_FILE, load_course
from grader.db.runtime import Runtime
from grader.db.session import default_database_url
from grader.lti.config import LtiConfigError, lti_config_from_env, tool_urls
from grader.lti.scores import send_pending


@click.group()
def lti() -> None:
    """LTI 1.3: register the grader in Moodle or Canvas (see docs/lms.md)."""


@lti.command("info")
@click.option("--base-url", required=True, envvar="GRADER_PUBLIC_URL",
              help="The tool's public address as the LMS reaches it, e.g. https://grader.example.edu (env "
                   "GRADER_PUBLIC_URL).")
def info(base_url: str) -> None:
    """Print the URLs a Moodle or Canvas administrator enters, and the platforms already registered."""
    urls = tool_urls(base_url)
    click.echo(f"Tool URL / Target link URI : {urls.tool_url}")
    click.echo(f"Initiate login URL         : {urls.login_url}")
    click.echo(f"Redirect URI(s)            : {urls.redirect_uri}")
    click.echo(f"Public keyset URL (JWKS)   : {urls.jwks_url}")
    click.echo(f"Deep linking URL           : {urls.deep_linking_url}")
    click.echo("Custom parameter           : exercise=<exercise id> (deep linking fills it in)")
    try:
        config = lti_config_from_env()
    except LtiConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if config is None:
        click.echo("No platform registered yet: set GRADER_LTI_CONFIG to the platform file (see docs/lms.md).")
        return
    for entry in config.platforms:
        click.echo(f"Platform {entry.issuer}: client id {entry.client_id}, deployments "
                   f"{', '.join(entry.deployment_ids)}")


@lti.command("keygen")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def keygen(directory: Path) -> None:
    """Write a new RSA key pair for the tool (private.key, public.key) into DIRECTORY."""
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / "private.key", directory / "public.key"
    if private.exists():
        raise click.ClickException(f"{private} exists: a new key would break the platforms that trust the old one")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    private.chmod(0o600)
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    click.echo(f"wrote {private} and {public}; name them in the platform file's private_key_file/public_key_file")


@lti.command("send")
@click.option("--database-url", default=default_database_url, show_default="GRADER_DATABASE_URL")
def send(database_url: str) -> None:
    """Send the scores waiting in the outbox now (the workers also do it every minute)."""
    try:
        config = lti_config_from_env()
    except LtiConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if config is None:
        raise click.ClickException("GRADER_LTI_CONFIG is not set: this deployment has no LMS")
    with Runtime(database_url=database_url) as runtime:
        course = load_course(DEFAULT_COURSE_FILE, catalog=runtime.catalog)
        report = send_pending(runtime.sessions, config=config, course=course, catalog=runtime.catalog)
    click.echo(f"sent {report.sent}, failed {report.failed}")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
