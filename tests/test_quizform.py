"""The quiz form: fields in the student's variant, answers that grade exactly like an answers file, drafts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from grader.core.questions.models import ChoiceQuestion
from grader.core.questions.variants import option_order
from grader.core.specs.loader import load_catalog
from grader.course.quizform import (
    FIELD_PREFIX,
    answers_document,
    answers_from_form,
    code_with_answers,
    quiz_fields,
)
from grader.db import store
from grader.db.drafts import DraftContent, DraftTooLarge, load_draft, save_draft

CATALOG = load_catalog()


def test_fields_follow_the_students_own_option_order_and_variant() -> None:
    """Two students see the same options in their own orders, with letters a, b, c in that order."""
    spec = CATALOG.get("exam-serie2")
    for student in ("ana", "bruno"):
        fields = {f.id: f for f in quiz_fields(spec, student=student)}
        assert [f.id for f in fields.values()] == [q.id for q in spec.questions]
        for question in spec.questions:
            field = fields[question.id]
            assert "{" not in field.prompt.es and field.help.es and field.help.en
            if isinstance(question, ChoiceQuestion):
                order = option_order(question, exercise_id=spec.id, student=student)
                assert [c.text.es for c in field.options] == [o.text.es for o in order]
                assert [c.letter for c in field.options] == list("abcdefgh"[:len(order)])


def test_numeric_fields_name_their_units_and_formats() -> None:
    """A numeric question says which number formats are read; a shape question says to leave the batch out."""
    spec = CATALOG.get("exam-serie2")
    kinds = {f.kind: f for f in quiz_fields(spec, student="ana")}
    assert "18 000" in kinds["numeric"].help.es and "(150, 150, 3)" in kinds["shape"].help.es


def test_blank_fields_are_unanswered_and_multiple_choice_stays_a_list() -> None:
    """Blank inputs are left out (graded as unanswered), a multiple-choice pick is a list even with one."""
    spec = CATALOG.get("exam-serie2")
    ids = [q.id for q in spec.questions]
    form: dict[str, Any] = {FIELD_PREFIX + ids[0]: " (150, 150, 3) ", FIELD_PREFIX + ids[1]: ["b"],
                            FIELD_PREFIX + ids[2]: "   ", "code": "ignored"}
    answers = answers_from_form(spec, form)
    assert answers == {ids[0]: "(150, 150, 3)", ids[1]: "b"}


def test_forged_forms_give_one_value_per_question_and_no_endless_lists() -> None:
    """A repeated field of a number, shape or text question keeps its first value (never a list); a choice
    keeps at most as many picks as it has options; short answers are cut to 200 characters."""
    spec = CATALOG.get("exam-serie2")
    choice = next(q for q in spec.questions if isinstance(q, ChoiceQuestion))
    form: dict[str, Any] = {FIELD_PREFIX + "input-shape": ["(150, 150, 3)", "(1, 2)"],
                            FIELD_PREFIX + "validation-count": "9" * 500,
                            FIELD_PREFIX + "output-neurons": ["", "Es binaria."],
                            FIELD_PREFIX + choice.id: ["a"] * 50}
    answers = answers_from_form(spec, form)
    assert answers["input-shape"] == "(150, 150, 3)"
    assert answers["validation-count"] == "9" * 200
    assert answers["output-neurons"] == "Es binaria."
    assert answers[choice.id] == ["a"] * len(choice.options)


def test_form_answers_appended_to_code_keep_line_numbers_and_are_literals() -> None:
    """For code-and-questions exercises the answers follow the code as literals: the code's lines keep their
    numbers, and a hostile answer stays a string."""
    spec = CATALOG.get("exam-serie2")
    hostile = '"); import os; os.system("x") #'
    code = "import keras\nmodel = None\n"
    combined = code_with_answers(spec, code, {spec.questions[3].id: hostile})
    assert combined.startswith(code)
    namespace: dict[str, Any] = {}
    exec(compile(combined.replace("import keras\n", ""), "entrega.py", "exec"), namespace)  # our own literal
    assert namespace[spec.questions[3].variable] == hostile


@pytest.mark.slow
def test_form_answers_grade_like_the_same_answers_file(grader_nodb: Any) -> None:
    """The form's document and a YAML answers file with the same answers give the same per-question results."""
    spec = CATALOG.get("exam-serie2")
    fields = quiz_fields(spec, student="ana")
    form = {f.name: ("(150, 150, 3)" if f.kind == "shape" else "12 000" if f.kind == "numeric"
                     else "b" if f.kind == "choice" else "Dropout apaga neuronas al entrenar") for f in fields}
    answers = answers_from_form(spec, form)
    from_form = grader_nodb.grade_bytes(spec=spec, filename="respuestas.json", data=answers_document(answers),
                                        student="ana")
    from_file = grader_nodb.grade_bytes(spec=spec, filename="answers.yaml",
                                        data=yaml.safe_dump(answers, allow_unicode=True).encode(), student="ana")
    assert from_form.status == "graded"
    assert [(c.id, c.points, c.message) for c in from_form.checks] == \
           [(c.id, c.points, c.message) for c in from_file.checks]


def test_drafts_are_kept_per_student_and_exercise_and_replaced(session: Any) -> None:
    """A draft survives a new session, the next save replaces it, and another student's is separate."""
    now = datetime(2026, 11, 29, tzinfo=UTC)
    version = store.get_or_create_exercise_version(session, slug="exam-serie2", title="t", spec_hash="h",
                                                   spec_json={})
    ana = store.get_or_create_student(session, external_id="ana")
    bruno = store.get_or_create_student(session, external_id="bruno")
    save_draft(session, student=ana, exercise=version.exercise, now=now,
               content=DraftContent(code=None, answers={"input-shape": "(1, 2)"}))
    save_draft(session, student=ana, exercise=version.exercise, now=now,
               content=DraftContent(code="x = 1", answers={"flatten-role": ["a", "b"]}))
    session.commit()
    draft = load_draft(session, student=ana, exercise=version.exercise)
    assert draft is not None and draft.code == "x = 1" and draft.answers == {"flatten-role": ["a", "b"]}
    assert load_draft(session, student=bruno, exercise=version.exercise) is None
    with pytest.raises(DraftTooLarge):
        save_draft(session, student=bruno, exercise=version.exercise, now=now,
                   content=DraftContent(code="x" * 600_000))
