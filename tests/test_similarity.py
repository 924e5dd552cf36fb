"""Similarity flags: copies found with evidence, independent work (short identical correct answers included)
not flagged, boilerplate discounted, and the CLI's output. No TensorFlow: nothing is run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch.similarity import similarity_report
from grader.cli.main import main
from grader.core.similarity import Document, build_boilerplate, find_similar, read_document
from grader.core.similarity.compare import compare_class, profile
from grader.core.similarity.document import Cell
from grader.core.similarity.normalize import normalise
from grader.core.specs.loader import load_catalog
from tests.similarity.labelled import build, figures, notebook

CATALOG = load_catalog()


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[frozenset[str]]]]:
    root = tmp_path_factory.mktemp("labelled")
    return root, build(root)


def test_labelled_set_every_copy_found_and_no_independent_pair_flagged(labelled) -> None:
    root, copied = labelled
    flagged, students = {}, {}
    for exercise in copied:
        report = similarity_report(catalog=CATALOG, exercise_id=exercise, paths=[root / exercise])
        assert report.skipped == []
        students[exercise] = [path.stem for path in (root / exercise).iterdir()]
        flagged[exercise] = {frozenset((flag.a, flag.b)) for flag in report.flags}
    result = figures(copied, flagged, students)
    print(result)  # the figures docs/similarity.md reports
    assert result.copies == 12 and result.independent > 150
    assert result.copies_found == result.copies, result
    assert result.false_flags == 0, result


def test_short_identical_correct_answers_are_not_flagged_though_their_code_is(labelled) -> None:
    """Four exam answers whose code is the same after normalisation: nothing rare is shared, no flag."""
    root, _ = labelled
    exam = root / "exam-flatten-dense"
    paths = [exam / f"{name}.py" for name in ("quim", "uxia", "wendy", "raquel")]
    report = similarity_report(catalog=CATALOG, exercise_id="exam-flatten-dense", paths=paths, threshold=0.05)
    assert report.compared == 4 and report.flags == []
    docs = [read_document(name=p.stem, filename=p.name, data=p.read_bytes()) for p in paths[:3]]
    assert len({tuple(unit.text for unit in normalise(doc)) for doc in docs}) == 1  # the code is alike


def _py(name: str, code: str) -> Document:
    return Document(name=name, cells=(Cell(kind="code", source=code),))


def test_renaming_reordering_and_comments_leave_the_canonical_code_unchanged() -> None:
    original = ("import numpy as np\nfrom tensorflow import keras\n# cargamos los datos\n"
                "datos = np.load('x.npy')\nmodelo = keras.Sequential([keras.layers.Dense(8)])\n"
                "modelo.compile(optimizer='adam', loss='mse')\nmodelo.fit(datos, datos, epochs=3)\n")
    copied = ("from tensorflow.keras import Sequential\nfrom tensorflow.keras.layers import Dense\nimport numpy\n"
              "net = Sequential([Dense(8)])  # the network\n"
              "x = numpy.load('x.npy')\n\n\nnet.compile(loss='mse', optimizer='adam')\nnet.fit(x, x, epochs=3)\n")
    assert [u.text for u in normalise(_py("a", original))] == [u.text for u in normalise(_py("b", copied))]
    changed = copied.replace("epochs=3", "epochs=4")
    assert [u.text for u in normalise(_py("a", original))] != [u.text for u in normalise(_py("c", changed))]


def test_a_shared_colab_file_id_is_evidence_even_when_the_code_differs() -> None:
    spec = CATALOG.get("fashion-mnist-lab")
    a = notebook([("code", "x = 1\nprint(x + 41)")], ids_from="ana", outputs_from=None)
    b = notebook([("code", "for i in range(3):\n    print(i)")], ids_from="ana", outputs_from=None)
    c = notebook([("code", "y = 2")], ids_from="carmen", outputs_from=None)
    docs = [read_document(name=n, filename=f"{n}.ipynb", data=json.dumps(nb).encode())
            for n, nb in (("a", a), ("b", b), ("c", c))]
    flags = find_similar(documents=docs, spec=spec, exercises_dir=CATALOG.directory)
    assert [(flag.a, flag.b) for flag in flags] == [("a", "b")]
    kinds = {item.kind for item in flags[0].evidence}
    assert {"Colab file id", "Colab authorship tag"} <= kinds
    assert all(item.detail for item in flags[0].evidence)


def test_what_the_exercise_gives_is_discounted_templates_included(tmp_path: Path) -> None:
    """A comment and a code passage from a teacher's template are shared by everyone who started from it:
    not evidence. The same comment outside any template is."""
    spec = CATALOG.get("lab-add-hidden-16")
    comment = "# plantilla del profesor: entrena la red durante veinte epocas con validacion"
    code = f"{comment}\nhistoria = model.fit(X_train, y_train, epochs=33, validation_data=(X_valid, y_valid))\n"
    docs = [_py("a", f"{code}print('a')\n"), _py("b", f"{code}print('b')\n"), _py("c", "print(1)\n")]
    before = find_similar(documents=docs, spec=spec, exercises_dir=CATALOG.directory, threshold=0.2)
    assert [(flag.a, flag.b) for flag in before] == [("a", "b")]
    assert "comment" in {item.kind for item in before[0].evidence}
    templates = tmp_path / "templates" / spec.id
    templates.mkdir(parents=True)
    (templates / "starter-notebook.py").write_text(code, encoding="utf-8")
    assert find_similar(documents=docs, spec=spec, exercises_dir=tmp_path, threshold=0.2) == []


def test_shared_parts_are_located_in_each_hand_in() -> None:
    spec = CATALOG.get("fashion-mnist-lab")
    boilerplate = build_boilerplate(spec=spec, exercises_dir=CATALOG.directory)
    body = ("w = 7\n# una forma muy rara de contar las prendas mal etiquetadas del conjunto\n"
            "z = sum(w * k for k in range(w))\n")
    a, b = _py("a", "print('solo en a')\n" + body), _py("b", body)
    flags = compare_class(profiles=[profile(a, boilerplate), profile(b, boilerplate)], threshold=0.0)
    assert [span.first for span in flags[0].shared_a] == [2, 3, 4]  # print('solo en a') is a's own
    assert [span.first for span in flags[0].shared_b] == [1, 2, 3]  # the statements and the rare comment


def test_cli_json_one_pair_per_line_summary_on_stderr_and_unreadable_files_skipped(labelled, tmp_path) -> None:
    root, copied = labelled
    folder = tmp_path / "exam"
    folder.mkdir()
    for path in (root / "exam-flatten-dense").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "roto.ipynb").write_text("{ not json", encoding="utf-8")
    out = CliRunner().invoke(main, ["similarity", "exam-flatten-dense", str(folder), "--format", "json"])
    assert out.exit_code == 0, out.output
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert {frozenset((r["a"], r["b"])) for r in records} == copied["exam-flatten-dense"]
    for record in records:
        assert set(record) == {"a", "b", "score", "evidence"} and 0 < record["score"] <= 1
        assert all(set(item) == {"kind", "detail"} for item in record["evidence"])
    assert "skipped roto" in out.stderr and "compared 10 hand-ins (45 pairs), flagged 2" in out.stderr
    quiet = CliRunner().invoke(main, ["similarity", "exam-flatten-dense", str(folder), "--format", "json",
                                      "--threshold", "1"])
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_cli_unknown_exercise_is_a_usage_error(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["similarity", "no-such-exercise", str(tmp_path)])
    assert out.exit_code == 2 and "unknown exercise" in out.output


def test_hostile_and_broken_hand_ins_are_compared_without_crashing(tmp_path: Path) -> None:
    """A 100,000-term expression (too deep to rewrite), bytes that are not UTF-8, a notebook whose cells are
    of the wrong types, a cell that does not parse: each is read as far as it goes, and a copy of the
    unparsable one is still found."""
    broken = "# mi solucion rara: la red con una capa que nadie mas usaria nunca\nmodel = Sequential([Dense(16 ("
    files = {"deep.py": ("x = " + "+".join(["1"] * 100_000) + "\n").encode(),
             "latin.py": "# año\nprint('ñ')\n".encode("latin-1"),
             "odd.ipynb": json.dumps({"nbformat": 4, "cells": [None, 3, {"cell_type": "code", "source": 7,
                                                                          "outputs": "x", "metadata": []}]}).encode(),
             "rota.py": broken.encode(), "copia.py": broken.encode()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    report = similarity_report(catalog=CATALOG, exercise_id="lab-add-hidden-16", paths=[tmp_path], threshold=0.3)
    assert report.compared == 5 and report.skipped == []
    assert [(flag.a, flag.b) for flag in report.flags] == [("copia", "rota")]
    assert {"comment", "code"} <= {item.kind for item in report.flags[0].evidence}


def _ran(name: str, code: str, outputs: list[str], markdown: str = "") -> Document:
    cells = (Cell(kind="markdown", source=markdown),) if markdown else ()
    return Document(name=name, notebook=True, cells=(*cells, Cell(kind="code", source=code, outputs=tuple(outputs))))


EPOCH = "1500/1500 - 4s - loss: 0.4312 - accuracy: 0.8457 - val_loss: 0.4620 - val_accuracy: 0.8391"


def test_outputs_count_only_when_one_run_printed_them() -> None:
    """The same pixels printed, the same picture of the first image, the lab sheet's questions pasted as
    markdown: everyone who did the same gets them; one accuracy of 0.8457 is often matched by chance. The
    same epoch line (four metrics) means the same run."""
    spec = CATALOG.get("fashion-mnist-lab")
    pixels = ["[0.         0.00392157 0.01176471 0.05098039]", "image 5f1d2a9c0b3e4d6f"]
    question = "### 4. ¿Qué hace? ¿Qué significan los parámetros? ¿Diferencia entre loss y val_loss?"
    docs = [_ran("a", "print(train_images[0])\nw = 1", pixels, question),
            _ran("b", "for fila in train_images[:1]:\n    print(fila)", pixels, question),
            _ran("c", "print(1)", [EPOCH]), _ran("e", "print(3)", ["Test accuracy: 0.8457"])]
    assert find_similar(documents=docs, spec=spec, exercises_dir=CATALOG.directory, threshold=0.2) == []
    docs += [_ran("d", "print(2)", [EPOCH]), _ran("f", "print(4)", ["Test accuracy: 0.8457"])]
    flags = find_similar(documents=docs, spec=spec, exercises_dir=CATALOG.directory)
    assert [(flag.a, flag.b) for flag in flags] == [("c", "d")]
    assert flags[0].evidence[0].kind == "output" and "0.4312" in flags[0].evidence[0].detail


def test_a_definition_quoted_from_the_lesson_notes_is_not_evidence(tmp_path: Path) -> None:
    """Two students quoting the same sentences of the course notes in their free-text answers: a flag until
    the notes are in exercises/templates/_all/, none after."""
    spec = CATALOG.get("exam-serie1")
    quote = ("La inferencia es el proceso de usar un modelo entrenado para hacer predicciones sobre datos nuevos "
             "que no ha visto antes. Durante la inferencia los pesos de la red permanecen fijos y no se calcula "
             "ningún gradiente.")
    answers = {"a": f"{quote} Lo uso con predict.", "b": f"{quote} Es lo que hace una app.",
               "c": "Predecir con el modelo ya entrenado."}
    docs = [Document(name=name, cells=(), answers=(("inferencia", text),)) for name, text in answers.items()]
    assert [(f.a, f.b) for f in find_similar(documents=docs, spec=spec, exercises_dir=CATALOG.directory)] \
        == [("a", "b")]
    (tmp_path / "templates" / "_all").mkdir(parents=True)
    (tmp_path / "templates" / "_all" / "lesson-1.md").write_text(f"## Inferencia\n\n{quote}\n", encoding="utf-8")
    assert find_similar(documents=docs, spec=spec, exercises_dir=tmp_path) == []


def test_jupyter_and_kaggle_run_times_are_provenance() -> None:
    """A cell's recorded run time (Jupyter's record_timing, Kaggle, ExecuteTime) to the microsecond is only
    shared by a notebook and its copy."""
    def notebook_with(stamp: str, code: str) -> bytes:
        cell = {"cell_type": "code", "source": code, "outputs": [], "execution_count": 1,
                "metadata": {"execution": {"iopub.execute_input": stamp, "shell.execute_reply": stamp}}}
        return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}).encode()
    docs = [read_document(name=n, filename=f"{n}.ipynb", data=notebook_with(stamp, code)) for n, stamp, code in (
        ("a", "2026-11-30T10:15:02.123456Z", "x = 1"), ("b", "2026-11-30T10:15:02.123456Z", "y = 2"),
        ("c", "2026-11-30T11:40:57.654321Z", "z = 3"))]
    flags = find_similar(documents=docs, spec=CATALOG.get("fashion-mnist-lab"), exercises_dir=CATALOG.directory)
    assert [(f.a, f.b, f.evidence[0].kind) for f in flags] == [("a", "b", "run timestamp")]
