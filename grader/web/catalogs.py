"""Whether every interface string has its translation: `python -m grader.web.catalogs build/messages.pot`.

`make i18n` extracts the Spanish strings of the templates and views with `pybabel extract -F babel.cfg` and
runs this on the result. It fails (exit 1), naming the strings, when a catalog in grader/web/translations
lacks one, leaves it empty or fuzzy, or keeps one no page uses any more, and when a compiled .mo is not its
.po (run `pybabel compile -d grader/web/translations` after editing a .po).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def _key(message_id: str | tuple[str, ...] | list[str]) -> str:
    """The singular msgid (a plural message's id is the singular and the plural; a read .mo gives a list)."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _translations(catalog: Catalog) -> dict[str, tuple[str | None, ...]]:
    return {_key(m.id): tuple(m.string) if isinstance(m.string, list | tuple) else (m.string,)
            for m in catalog if m.id}


def catalog_problems(template: Catalog, translations: Path = TRANSLATIONS) -> list[str]:
    """What is wrong with the catalogs under `translations` against the extracted `template`, one line each."""
    wanted = {_key(m.id) for m in template if m.id}
    problems: list[str] = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        lang = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        have = {_key(m.id): m for m in catalog if m.id}
        for key in sorted(wanted - have.keys()):
            problems.append(f"{lang}: missing: {key!r}")
        for key in sorted(wanted & have.keys()):
            message = have[key]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings) or message.fuzzy:
                problems.append(f"{lang}: untranslated: {key!r}")
        problems += [f"{lang}: no longer used: {key!r}" for key in sorted(have.keys() - wanted)]
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{lang}: {mo_path.name} is missing: run pybabel compile -d {translations}")
        else:
            with mo_path.open("rb") as handle:
                if _translations(read_mo(handle)) != _translations(catalog):
                    problems.append(f"{lang}: {mo_path.name} is not {po_path.name}: run pybabel compile")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check the catalogs against the template named on the command line; print each problem."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m grader.web.catalogs MESSAGES.pot", file=sys.stderr)
        return 2
    with Path(args[0]).open("rb") as handle:
        problems = catalog_problems(read_po(handle))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
