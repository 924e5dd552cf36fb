"""What a student may see of an exercise (statement, starter, their variant), shared by the CLI and the web."""

from __future__ import annotations

from typing import Any

from grader.core.i18n import Lang
from grader.core.questions.models import ChoiceQuestion
from grader.core.questions.variants import letter, option_order, render
from grader.core.scoring import question_context
from grader.core.specs.models import ExerciseSpec


def public_view(spec: ExerciseSpec, lang: Lang, student: str | None = None) -> dict[str, Any]:
    """What a student may see of an exercise: never check parameters, answers or reference material.

    With `student`, prompts show that student's variant and options their order and letters; without it,
    variant placeholders stay as {names} and options keep the spec's order.
    """
    ctx = question_context(spec, student) if student is not None else None
    questions = []
    for q in spec.questions:
        prompt = render(q.prompt, ctx.values) if ctx else q.prompt
        item: dict[str, Any] = {"id": q.id, "variable": q.variable, "kind": q.kind, "points": q.points,
                                "prompt": prompt.get(lang), "hint": q.hint.get(lang) if q.hint else None}
        if isinstance(q, ChoiceQuestion):
            order = option_order(q, exercise_id=spec.id, student=student) if student is not None else q.options
            item["multiple"] = q.multiple
            item["options"] = [{"label": letter(i), "text": o.text.get(lang)} for i, o in enumerate(order)]
        questions.append(item)
    return {
        "id": spec.id, "title": spec.title.get(lang), "statement": spec.statement.get(lang), "source": spec.source,
        "starter_code": spec.starter.code, "data": spec.starter.data, "variables": spec.grade,
        "max_score": spec.max_score,
        "checks": [{"id": c.id, "points": c.points, "hint": c.hint.get(lang) if c.hint else None}
                   for c in spec.checks],
        "questions": questions,
        "student": student,
    }
