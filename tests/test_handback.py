"""`grader grade --feedback-dir`: one self-contained, well-formed HTML page per student and an index."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.core.specs.loader import load_catalog
from grader.core.summaries import EpochPoint, LayerSummary, ModelSummary, TrainingCurve
from grader.course.handback import HandbackRow, student_page, write_feedback_dir

ROOT = Path(__file__).resolve().parent.parent
GRADER = str(Path(sys.executable).with_name("grader"))
XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
CATALOG = load_catalog()


def _parse(path: Path) -> ET.Element:
    """The page as XML: fails on any unclosed tag, stray `&` or unescaped `<`."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    return ET.fromstring(text.split("\n", 1)[1])


def _texts(root: ET.Element) -> str:
    return " ".join(" ".join(el.itertext()) for el in root.iter(f"{XHTML}body"))


def _result(variable: str = "model") -> GradeResult:
    model = ModelSummary(variable=variable, class_name="Sequential", input_shape=[None, 5, 5], params=416 + 34,
                         layers=[LayerSummary(class_name="Flatten", name="f", output_shape=[None, 25]),
                                 LayerSummary(class_name="Dense", name="d", units=16, activation="relu",
                                              output_shape=[None, 16], params=416),
                                 LayerSummary(class_name="Dense", name="o", units=2, activation="softmax",
                                              output_shape=[None, 2], params=34)])
    curve = TrainingCurve(metric="accuracy", higher_is_better=True, baseline=0.5, threshold=0.55,
                          epochs=[EpochPoint(epoch=i, loss=1 / i, val_loss=1 / i + 0.1, metric=0.5 + i / 20,
                                             val_metric=0.5 + i / 25) for i in range(1, 6)])
    return GradeResult(status="graded", score=2, max_score=5, models=[model], training=curve, checks=[
        CheckResult(id="layers", passed=False, points=0, max_points=3, message=t("Falta <una> capa & más",
                    "A <layer> & more is missing"), hint=t("Añade Dense(16)", "Add Dense(16)"),
                    answer=t("Flatten, Dense(16), Dense(2)", "Flatten, Dense(16), Dense(2)")),
        CheckResult(id="param-count", passed=True, points=2, max_points=2, message=t("Bien", "Right"))])


def test_a_page_holds_titles_score_checks_drawings_and_escapes_everything(tmp_path: Path) -> None:
    """Check titles, the score with a decimal comma, escaped messages, the network and the curves as SVG; the
    model answer only when asked."""
    spec = CATALOG.get("lab-add-hidden-16")
    paths = write_feedback_dir(rows=[HandbackRow(student="<ana>", result=_result()),
                                     HandbackRow(student="../../etc/passwd", result=GradeResult.failed(
                                         t("No es UTF-8", "Not UTF-8"), max_score=10))],
                               spec=spec, directory=tmp_path / "out", lang="es")
    assert sorted(p.name for p in paths) == ["ana.html", "etc_passwd.html", "index.html"]
    assert all(p.parent == tmp_path / "out" for p in paths)
    page = _parse(tmp_path / "out" / "ana.html")
    text = _texts(page)
    assert spec.title.es in text and "2 / 5" in text and "Falta <una> capa & más" in text
    assert spec.item_title("layers").es in text and "Añade Dense(16)" in text
    assert "Flatten, Dense(16), Dense(2)" not in text  # no model answer unless asked
    drawings = list(page.iter(f"{SVG}svg"))
    assert len(drawings) == 2 and all(d.find(f"{SVG}title") is not None for d in drawings)
    assert "25×16 + 16 = 416" in text
    index = _texts(_parse(tmp_path / "out" / "index.html"))
    assert "<ana>" in index and "no se pudo calificar" in index
    with_answers = student_page(HandbackRow(student="ana", result=_result()), spec, lang="en", with_answers=True)
    assert "Flatten, Dense(16), Dense(2)" in with_answers and "Model answer" in with_answers


@pytest.mark.slow
def test_feedback_dir_for_the_sample_folders(tmp_path: Path) -> None:
    """The CLI writes a parseable page for every sample of every sample folder: code exercises draw the graded
    model (unless it could not be graded), wine-early-stopping its training curves too."""
    folders = sorted(p for p in (ROOT / "exercises" / "samples").iterdir() if p.is_dir())
    assert len(folders) >= 4
    for samples in folders:
        exercise, out = samples.name, tmp_path / samples.name
        done = subprocess.run([GRADER, "grade", exercise, str(samples), "--format", "json", "--db",
                               f"sqlite:///{tmp_path / 'g.sqlite3'}", "--feedback-dir", str(out)],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:]
        records = {json.loads(line)["student"]: json.loads(line) for line in done.stdout.splitlines()}
        pages = {page.stem: _parse(page) for page in out.glob("*.html")}
        assert set(pages) == {*records, "index"}, exercise
        code = bool(CATALOG.get(exercise).checks)
        for student, record in records.items():
            classes = {svg.get("class", "") for svg in pages[student].iter(f"{SVG}svg")}
            assert not code or record["status"] != "graded" or "network" in classes, (exercise, student)
            if exercise == "wine-early-stopping" and record["status"] == "graded":
                assert "curves" in classes, student
