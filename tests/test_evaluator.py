"""The trusted evaluator's start-up: optional packages hidden while Keras loads, importable afterwards."""

from __future__ import annotations

import importlib
import sys

import pytest

from grader.evaluator import hidden_modules


def test_hidden_modules_are_absent_inside_the_block_and_back_after_it() -> None:
    assert "colorsys" not in sys.modules and "xml.dom" not in sys.modules
    with hidden_modules(["colorsys", "xml"]):
        with pytest.raises(ModuleNotFoundError, match="colorsys"):
            importlib.import_module("colorsys")
        with pytest.raises(ModuleNotFoundError, match="xml"):
            importlib.import_module("xml.dom.minidom")
        assert importlib.import_module("calendar").__name__ == "calendar"  # everything else imports as usual
    assert importlib.import_module("colorsys").rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert sys.meta_path[0].__class__.__name__ != "_Hidden"
