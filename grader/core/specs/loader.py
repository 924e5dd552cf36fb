"""Loading exercise specs from YAML, with errors that name the file, the field path and the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from grader.core.checks import get_kind
from grader.core.dataset_names import known_datasets
from grader.core.specs.models import ExerciseSpec

DEFAULT_EXERCISES_DIR = Path(__file__).resolve().parents[3] / "exercises"
# libyaml's parser with PyYAML's safe constructor: the same values, about six times faster on the catalog,
# which every CLI command and service start reads (about 0.5 s of CPU with the pure-Python parser).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The data in a teacher-written YAML file (safe loader only). Raises OSError, UnicodeDecodeError or
    yaml.YAMLError for the caller to explain."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)


class SpecError(Exception):
    """An invalid spec: `problems` are lines of 'field.path: reason' for `path`."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: invalid exercise spec\n" + "\n".join(f"  - {p}" for p in problems))


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _errors(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[str]:
    return [f"{_loc(prefix + tuple(err['loc']))}: {err['msg']}" for err in exc.errors()]


def _check_params(raw: dict[str, Any]) -> list[str]:
    """Validate each check's params with its registered kind (the base model only knows they are a dict)."""
    problems: list[str] = []
    for i, check in enumerate(raw.get("checks") or []):
        if not isinstance(check, dict) or "type" not in check:
            continue
        try:
            kind = get_kind(str(check["type"]))
        except KeyError as exc:
            problems.append(f"checks[{i}].type: {exc.args[0]}")
            continue
        try:
            kind.params_model.model_validate(check.get("params") or {})
        except ValidationError as exc:
            problems += _errors(exc, ("checks", i, "params"))
    return problems


def _references(spec: ExerciseSpec, solutions_dir: Path) -> list[str]:
    problems: list[str] = []
    files = [("reference.solution", spec.reference.solution)]
    files += [(f"reference.wrong[{i}].file", w.file) for i, w in enumerate(spec.reference.wrong)]
    for where, rel in files:
        if not (solutions_dir / rel).is_file():
            problems.append(f"{where}: file not found: {solutions_dir / rel}")
    for where, name in (("starter.data", spec.starter.data),
                        ("training.dataset", spec.training.dataset if spec.training else None)):
        if name is not None and name not in known_datasets():
            problems.append(f"{where}: unknown data set {name!r}; known: {', '.join(known_datasets())}")
    return problems


def load_spec(path: Path, *, solutions_dir: Path | None = None) -> ExerciseSpec:
    """Parse and validate one spec file; raise SpecError listing every problem found."""
    try:
        raw = read_yaml(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, [f"cannot read the file: {exc}"]) from exc
    except yaml.YAMLError as exc:
        raise SpecError(path, [f"invalid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise SpecError(path, ["the file must contain a mapping (key: value) at the top level"])
    problems = _check_params(raw)
    try:
        spec = ExerciseSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(path, _errors(exc) + problems) from exc
    if spec.id != path.stem:
        problems.append(f"id: {spec.id!r} does not match the file name {path.name!r}")
    problems += _references(spec, solutions_dir or path.parent / "solutions")
    if problems:
        raise SpecError(path, problems)
    return spec


@dataclass(frozen=True)
class Catalog:
    """All exercises of a directory, by id, and where their reference material lives.

    An invalid spec does not hide the valid ones: it is kept in `errors` (by the id its file name gives),
    asking for it raises its SpecError, and `grader exercises validate` fails on it.
    """

    directory: Path
    specs: dict[str, ExerciseSpec]
    errors: dict[str, SpecError] = field(default_factory=dict)

    @property
    def solutions_dir(self) -> Path:
        """Where reference solutions and known-wrong examples are kept (never mounted in a sandbox)."""
        return self.directory / "solutions"

    def get(self, exercise_id: str) -> ExerciseSpec:
        """The spec with this id; SpecError if its file is invalid; KeyError lists the known ids."""
        if exercise_id in self.errors:
            raise self.errors[exercise_id]
        try:
            return self.specs[exercise_id]
        except KeyError:
            known = ", ".join(sorted(self.specs))
            raise KeyError(f"unknown exercise {exercise_id!r}; known exercises: {known}") from None


def load_catalog(directory: Path = DEFAULT_EXERCISES_DIR) -> Catalog:
    """Load every `*.yaml` spec of `directory`, keeping invalid ones as errors."""
    specs: dict[str, ExerciseSpec] = {}
    errors: dict[str, SpecError] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            spec = load_spec(path, solutions_dir=directory / "solutions")
        except SpecError as exc:
            errors[path.stem] = exc
            continue
        specs[spec.id] = spec
    return Catalog(directory=directory, specs=specs, errors=errors)
