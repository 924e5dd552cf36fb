"""The `--offering` option of the commands whose work belongs to one course offering, and its resolution."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session, sessionmaker

from grader.db.offerings import OfferingNotFound, find_offering

OFFERING_OPTION = click.option(
    "--offering", "offering", default=None, metavar="ID|LABEL",
    help="The course offering (its id, or its label \"course · term · section\") [default: the default one].")


def offering_id_or_exit(session: Session, ref: str | None) -> int:
    """The id of offering `ref` (None: the default one), or a clear refusal naming `grader offerings list`."""
    try:
        return find_offering(session, ref).id
    except OfferingNotFound:
        raise click.UsageError(f"no offering {ref!r} (see `grader offerings list`)") from None


def resolve_offering(sessions: sessionmaker[Session], ref: str | None) -> int:
    """`offering_id_or_exit` in a session of its own, committed (the default offering may be made here)."""
    with sessions() as session:
        found = offering_id_or_exit(session, ref)
        session.commit()
        return found
