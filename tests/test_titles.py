"""Check and question titles: every shipped exercise names each check and question for people.

Students and the gradebook read an item's title ("Neuronas de salida" / "Output neurons") instead of its id
(`output-neurons`). A title must exist in both languages, say more than the id, stay short, be unique
within its exercise, and never give away the answer of the question it names.
"""

from __future__ import annotations

import re

import pytest

from grader.core.i18n import Text
from grader.core.questions.models import ChoiceQuestion, NumericQuestion, ShapeQuestion
from grader.core.specs.loader import Catalog, load_catalog
from grader.core.specs.models import ExerciseSpec

MAX_TITLE_CHARS = 60


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped catalog, loaded once for the module; every spec in it must be valid."""
    loaded = load_catalog()
    assert not loaded.errors, "\n".join(map(str, loaded.errors.values()))
    return loaded


def _number_forms(value: int | float) -> list[str]:
    """The ways people write `value` in a title: 18000, 18,000, 18.000, 18 000; 0.25 and 0,25."""
    if isinstance(value, float) and not value.is_integer():
        plain = repr(value)
        return [plain, plain.replace(".", ",")]
    number = int(value)
    grouped = f"{number:,}"
    return list(dict.fromkeys([str(number), grouped, grouped.replace(",", "."), grouped.replace(",", " "),
                               grouped.replace(",", "\u00a0"), grouped.replace(",", "\u202f")]))


def _contains_number(title: str, forms: list[str]) -> bool:
    """Whether `title` writes one of `forms` as a whole number (not as part of a longer one)."""
    return any(re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)", title) for form in forms)


def _answer_leaks(question: object, title: Text) -> list[str]:
    """Why `title` gives away the answer of `question` (empty when it does not).

    Choice questions: the text of a correct option (es in the es title, en in the en title, ignoring case).
    Numeric questions: the expected answer when it is a literal number (not an expression over a variant).
    Shape questions: the whole expected shape when every dimension is a literal number.
    """
    leaks: list[str] = []
    if isinstance(question, ChoiceQuestion):
        for option in question.options:
            if not option.correct:
                continue
            for lang in ("es", "en"):
                if option.text.get(lang).casefold() in title.get(lang).casefold():
                    leaks.append(f"{lang} title contains the correct option {option.text.get(lang)!r}")
    elif isinstance(question, NumericQuestion) and isinstance(question.answer, int | float):
        for lang in ("es", "en"):
            if _contains_number(title.get(lang), _number_forms(question.answer)):
                leaks.append(f"{lang} title contains the expected answer {question.answer}")
    elif isinstance(question, ShapeQuestion) and all(isinstance(d, int) for d in question.answer):
        dims = [str(d) for d in question.answer]
        forms = [sep.join(dims) for sep in (", ", ",", "x", "×", " x ", " × ")]
        for lang in ("es", "en"):
            if any(form in title.get(lang) for form in forms):
                leaks.append(f"{lang} title contains the expected shape {tuple(question.answer)}")
    return leaks


def title_problems(spec: ExerciseSpec) -> list[str]:
    """Every problem with the titles of `spec`'s checks and questions, as 'exercise/item: reason' lines."""
    problems: list[str] = []
    seen: dict[str, dict[str, str]] = {"es": {}, "en": {}}
    for item in [*spec.checks, *spec.questions]:
        where = f"{spec.id}/{item.id}"
        title = item.title
        if title is None:
            problems.append(f"{where}: no title")
            continue
        for lang in ("es", "en"):
            text = title.get(lang)
            if not text.strip():
                problems.append(f"{where}: empty {lang} title")
                continue
            if text.strip() == item.id:
                problems.append(f"{where}: {lang} title is just the id")
            if len(text) > MAX_TITLE_CHARS:
                problems.append(f"{where}: {lang} title is {len(text)} characters (at most {MAX_TITLE_CHARS})")
            key = text.strip().casefold()
            if key in seen[lang]:
                problems.append(f"{where}: {lang} title {text!r} is also the title of {seen[lang][key]}")
            seen[lang][key] = item.id
        problems += [f"{where}: {leak}" for leak in _answer_leaks(item, title)]
    return problems


def test_every_check_and_question_has_a_good_title(catalog: Catalog) -> None:
    """Each check and question of each shipped exercise has a short, unique, bilingual title."""
    problems = [p for spec in catalog.specs.values() for p in title_problems(spec)]
    assert not problems, "\n".join(problems)


def test_item_title_gives_the_title_not_the_id(catalog: Catalog) -> None:
    """`ExerciseSpec.item_title` returns the spec's title for every item of the catalog."""
    for spec in catalog.specs.values():
        for item in [*spec.checks, *spec.questions]:
            assert spec.item_title(item.id) == item.title


def _with_title(spec: ExerciseSpec, item_id: str, title: Text | None) -> ExerciseSpec:
    """A copy of `spec` where check or question `item_id` has `title`."""
    checks = [c.model_copy(update={"title": title}) if c.id == item_id else c for c in spec.checks]
    questions = [q.model_copy(update={"title": title}) if q.id == item_id else q for q in spec.questions]
    return spec.model_copy(update={"checks": checks, "questions": questions})


def _find(catalog: Catalog, kind: type) -> tuple[ExerciseSpec, object]:
    """The first shipped question of class `kind` (with a literal answer for numeric/shape questions)."""
    for spec in catalog.specs.values():
        for question in spec.questions:
            if not isinstance(question, kind):
                continue
            answer = getattr(question, "answer", None)
            if isinstance(answer, str) or (isinstance(answer, list) and not all(isinstance(d, int) for d in answer)):
                continue
            return spec, question
    pytest.skip(f"no shipped {kind.__name__} with a literal answer")


def test_a_missing_duplicate_or_long_title_is_reported(catalog: Catalog) -> None:
    """The rules catch a missing title, a title that is the id, a too long one and a repeated one."""
    spec = next(s for s in catalog.specs.values() if len(s.checks) >= 2)
    first, second = spec.checks[0], spec.checks[1]
    assert any("no title" in p for p in title_problems(_with_title(spec, first.id, None)))
    as_id = Text(es=first.id, en="Something else")
    assert any("just the id" in p for p in title_problems(_with_title(spec, first.id, as_id)))
    long = Text(es="x" * (MAX_TITLE_CHARS + 1), en="Fine")
    assert any("characters" in p for p in title_problems(_with_title(spec, first.id, long)))
    assert second.title is not None
    assert any("also the title of" in p for p in title_problems(_with_title(spec, first.id, second.title)))


def test_a_title_that_gives_away_the_answer_is_reported(catalog: Catalog) -> None:
    """The rules catch a title quoting the correct option, the expected number or the expected shape."""
    spec, choice = _find(catalog, ChoiceQuestion)
    assert isinstance(choice, ChoiceQuestion)
    right = next(o for o in choice.options if o.correct)
    leaky = Text(es=f"Respuesta: {right.text.es.upper()}", en="Answer")
    assert any("correct option" in p for p in title_problems(_with_title(spec, choice.id, leaky)))

    spec, numeric = _find(catalog, NumericQuestion)
    assert isinstance(numeric, NumericQuestion) and isinstance(numeric.answer, int | float)
    for form in _number_forms(numeric.answer):
        leaky = Text(es=f"Son {form} datos", en="Count")
        assert any("expected answer" in p for p in title_problems(_with_title(spec, numeric.id, leaky))), form

    spec, shape = _find(catalog, ShapeQuestion)
    assert isinstance(shape, ShapeQuestion)
    leaky = Text(es="Forma", en="Shape " + "x".join(str(d) for d in shape.answer))
    assert any("expected shape" in p for p in title_problems(_with_title(spec, shape.id, leaky)))


@pytest.mark.parametrize(("title", "value", "leaks"), [
    ("Son 18.000 datos", 18000, True),
    ("Son 18 000 datos", 18000, True),
    ("Son 180000 datos", 18000, False),
    ("Capa 3", 0.3, False),
    ("Tasa 0,25", 0.25, True),
])
def test_numbers_are_matched_whole(title: str, value: int | float, leaks: bool) -> None:
    """A number counts as given away only when written whole, in any usual grouping or decimal mark."""
    assert _contains_number(title, _number_forms(value)) is leaks
