"""Spec loading: the shipped catalog is valid; invalid specs fail with file, field path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.core.specs import SpecError, load_catalog, load_spec

CATALOG_IDS = {
    "dnn-linear-unit", "dnn-two-hidden-regression", "dnn-binary-mlp", "sgd-compile-adam-mae",
    "lab-add-hidden-16", "pick-the-loss", "wine-early-stopping", "dropout-batchnorm", "l2-regularization",
    "training-callbacks", "binary-classifier", "digits-classifier", "exam-flatten-dense", "transfer-freeze",
    "quiz-activations", "quiz-classification-vs-regression", "quiz-learning-rate", "quiz-metrics", "exam-serie1",
    "exam-serie2", "lab-fashion-quiz",
}


def test_shipped_catalog_is_complete_and_valid() -> None:
    catalog = load_catalog()
    assert not catalog.errors, "\n".join(map(str, catalog.errors.values()))
    assert set(catalog.specs) >= CATALOG_IDS
    for spec in catalog.specs.values():
        assert spec.max_score > 0
        assert len(spec.reference.wrong) >= 3
        assert spec.title.es and spec.title.en and spec.statement.es and spec.statement.en


def _valid() -> dict:
    return {
        "id": "demo",
        "title": {"es": "Demo", "en": "Demo"},
        "statement": {"es": "Crea model.", "en": "Create model."},
        "source": "lesson-2-3 §2.1",
        "grade": ["model"],
        "checks": [{"id": "input", "type": "input_shape", "points": 1, "params": {"shape": [3]}}],
        "reference": {"solution": "demo/ok.py", "wrong": [
            {"file": "demo/w1.py", "fails": ["input"]}, {"file": "demo/w2.py", "fails": ["input"]},
            {"file": "demo/w3.py", "fails": ["input"]}]},
    }


def _write(tmp_path: Path, spec: dict, *, files: bool = True) -> Path:
    path = tmp_path / f"{spec.get('id', 'demo')}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    if files:
        (tmp_path / "solutions" / "demo").mkdir(parents=True, exist_ok=True)
        for name in ("ok.py", "w1.py", "w2.py", "w3.py"):
            (tmp_path / "solutions" / "demo" / name).write_text("model = None\n")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(path) in str(info.value)
    return info.value.problems


def test_valid_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, _valid()))
    assert spec.id == "demo" and spec.max_score == 1
    assert len(spec.spec_hash()) == 64


def test_wrong_param_type_names_the_field_path(tmp_path: Path) -> None:
    raw = _valid()
    raw["checks"][0]["params"] = {"shape": ["tres"]}
    problems = _problems(_write(tmp_path, raw))
    assert any(p.startswith("checks[0].params.shape[0]:") and "integer" in p for p in problems)


def test_unknown_check_type_lists_known_types(tmp_path: Path) -> None:
    raw = _valid()
    raw["checks"][0]["type"] = "magic"
    problems = _problems(_write(tmp_path, raw))
    assert any(p.startswith("checks[0].type: unknown check type 'magic'") and "input_shape" in p
               for p in problems)


def test_unknown_param_and_missing_field(tmp_path: Path) -> None:
    raw = _valid()
    raw["checks"][0]["params"]["shapes"] = [3]
    del raw["statement"]
    problems = _problems(_write(tmp_path, raw))
    assert any(p.startswith("checks[0].params.shapes:") for p in problems)
    assert any(p.startswith("statement:") and "required" in p.lower() for p in problems)


def test_duplicate_ids_and_unknown_failing_check(tmp_path: Path) -> None:
    raw = _valid()
    raw["checks"].append(dict(raw["checks"][0]))
    raw["reference"]["wrong"][0]["fails"] = ["nope"]
    problems = _problems(_write(tmp_path, raw))
    assert any("duplicate check/question ids: input" in p for p in problems)
    raw = _valid()
    raw["reference"]["wrong"][0]["fails"] = ["nope"]
    assert any("names unknown checks: nope" in p for p in _problems(_write(tmp_path, raw)))


def test_missing_reference_files_and_data_set(tmp_path: Path) -> None:
    raw = _valid()
    raw["starter"] = {"data": "mnist-download"}
    problems = _problems(_write(tmp_path, raw, files=False))
    assert any(p.startswith("reference.solution: file not found") for p in problems)
    assert any(p.startswith("starter.data: unknown data set 'mnist-download'") for p in problems)


def test_id_must_match_file_name_and_format(tmp_path: Path) -> None:
    raw = _valid()
    path = _write(tmp_path, raw)
    renamed = path.with_name("other.yaml")
    path.rename(renamed)
    assert any("does not match the file name" in p for p in _problems(renamed))
    raw["id"] = "Bad_Id"
    assert any(p.startswith("id:") for p in _problems(_write(tmp_path, raw)))


def test_yaml_syntax_and_top_level(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: [unclosed\n")
    assert any("invalid YAML" in p for p in _problems(bad))
    bad.write_text("- a list\n")
    assert any("mapping" in p for p in _problems(bad))


def test_one_invalid_spec_does_not_hide_the_others(tmp_path: Path) -> None:
    _write(tmp_path, _valid())
    broken = _valid() | {"id": "broken", "checks": []}
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert set(catalog.specs) == {"demo"} and set(catalog.errors) == {"broken"}
    with pytest.raises(SpecError, match="checks"):
        catalog.get("broken")
