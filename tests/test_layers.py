"""The package's layers: each imports only those below it, the web never loads the grading engine, and the
grading version changes with the code that grades, not with pages or command-line texts."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

from grader.db.version import fingerprint

PACKAGE = Path(__file__).resolve().parents[1] / "grader"

# What each layer may import from the grader package (its own layer included).
ALLOWED = {
    "core": {"core"},
    "db": {"core", "db"},
    "engine": {"core", "engine"},
    "course": {"core", "db", "course"},
    "queue": {"core", "db", "queue"},
    "batch": {"core", "db", "engine", "queue", "batch"},
    "lti": {"core", "db", "course", "lti"},
    "web": {"core", "db", "course", "queue", "lti", "web"},
    "cli": {"core", "db", "engine", "course", "queue", "batch", "lti", "web", "cli"},
}
# Mounted into the sandbox by path and run there: they import nothing from the grader package.
SANDBOX_SIDE = {"harness.py", "zygote.py", "forking.py", "courseenv.py", "coursecompat.py", "courseapi.py",
                "coursefiles.py", "coursestubs.py", "courseimports.py", "coursetypos.py",
                "coursemodels.py"}


def _grader_imports(path: Path) -> set[str]:
    """The grader modules that `path` imports (at any depth: a lazy import counts too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name == "grader" or name.startswith("grader.")}


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) == 1:
            continue  # grader/__init__.py: the package's version only
        layer = rel.parts[0]
        for name in _grader_imports(path):
            target = name.split(".")[1] if "." in name else "grader"
            if target not in ALLOWED[layer] and name != "grader":
                wrong.append(f"{rel} imports {name}")
    assert wrong == []


def _module(path: Path) -> str:
    """The dotted name of a module of the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_two_modules_import_each_other_even_for_types_only() -> None:
    """Import circles, a type-only one under TYPE_CHECKING included: a circle makes the import order matter
    and keeps two modules from being understood (or moved) one without the other."""
    modules = {_module(path): path for path in PACKAGE.rglob("*.py")}
    graph = {name: {target for target in _grader_imports(path) if target in modules and target != name}
             for name, path in modules.items()}
    circles = []
    for start in sorted(graph):  # a depth-first walk from each module back to itself
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, trail = stack.pop()
            for target in sorted(graph[node]):
                if target == start:
                    circles.append(" -> ".join([*trail, start]))
                elif target not in seen and target > start:  # each circle once, from its smallest module
                    seen.add(target)
                    stack.append((target, [*trail, target]))
    assert circles == []


def test_sandbox_side_files_import_nothing_from_the_grader() -> None:
    sandbox = PACKAGE / "engine" / "sandbox"
    assert {p.name for p in sandbox.iterdir()} >= SANDBOX_SIDE
    assert {name: _grader_imports(sandbox / name) for name in SANDBOX_SIDE} == {name: set() for name in SANDBOX_SIDE}


def test_importing_the_web_loads_no_grading_engine() -> None:
    """`import grader.web` (in a fresh interpreter) loads no TensorFlow, Keras, sandbox, evaluator or pipeline."""
    code = "import json, sys, grader.web; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    assert "grader.web" in loaded
    engine = [name for name in loaded if name.split(".")[0] in {"tensorflow", "keras"}
              or name.startswith(("grader.engine", "grader.batch"))]
    assert engine == []


def test_the_grading_version_follows_the_grading_code_only(tmp_path: Path) -> None:
    """Editing a web template or a CLI message keeps every stored result reusable; editing a check does not."""
    root = tmp_path / "grader"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    before = fingerprint(root)
    template = next((root / "web" / "templates").rglob("*.html"))
    template.write_text(template.read_text(encoding="utf-8") + "\n<!-- reworded -->\n", encoding="utf-8")
    cli = root / "cli" / "main.py"
    cli.write_text(cli.read_text(encoding="utf-8").replace("Grades Keras", "Grades the Keras", 1), encoding="utf-8")
    assert "Grades the Keras" in cli.read_text(encoding="utf-8")
    web = root / "web" / "student.py"
    web.write_text(web.read_text(encoding="utf-8") + "\n# a new comment in a page\n", encoding="utf-8")
    assert fingerprint(root) == before
    check = root / "core" / "checks" / "model.py"
    check.write_text(check.read_text(encoding="utf-8") + "\n# a change to a check\n", encoding="utf-8")
    assert fingerprint(root) != before
    data = root / "engine" / "data" / "winequality-red.csv"
    edited = fingerprint(root)
    data.write_bytes(data.read_bytes() + b"\n")
    assert fingerprint(root) != edited
