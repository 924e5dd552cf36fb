"""The trusted evaluator's start-up: optional packages hidden while Keras loads, importable afterwards."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from grader.evaluator import hidden_modules


def test_hidden_modules_are_absent_inside_the_block_and_back_after_it(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "optional_extra"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 42\n")
    (package / "sub" / "__init__.py").write_text("")
    (tmp_path / "other_module.py").write_text("VALUE = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with hidden_modules(["optional_extra"]):
        with pytest.raises(ModuleNotFoundError, match="optional_extra"):
            importlib.import_module("optional_extra")
        with pytest.raises(ModuleNotFoundError, match="optional_extra"):
            importlib.import_module("optional_extra.sub")
        assert importlib.import_module("other_module").VALUE == 7  # everything else imports as usual
    assert "optional_extra" not in sys.modules  # the refusal left nothing half-imported behind
    assert importlib.import_module("optional_extra").VALUE == 42
    assert importlib.import_module("optional_extra.sub") is not None
    assert not any(type(finder).__name__ == "_Hidden" for finder in sys.meta_path)
    for name in ("optional_extra.sub", "optional_extra", "other_module"):
        sys.modules.pop(name, None)
