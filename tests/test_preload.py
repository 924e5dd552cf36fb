"""What a batch's warm zygotes import ahead: read from the submissions, chosen by how many import it."""

from __future__ import annotations

import json
from pathlib import Path

from grader.engine.sandbox.preload import batch_preload, choose_preload, imported_modules

PLOTS = "import matplotlib.pyplot as plt\nplt.plot([1, 2])\n"
SPLITS = "from sklearn.model_selection import train_test_split\n"


def test_every_import_form_is_read_and_only_keras_extras_count() -> None:
    code = (
        "import os, numpy as np\n"
        "import matplotlib.pyplot as plt\n"
        "from sklearn import preprocessing\n"
        "from sklearn.model_selection import train_test_split, KFold\n"
        "from matplotlib import *\n"
        "from . import local\n"
        "def later():\n"
        "    import sklearn.metrics\n"
    )
    assert imported_modules(code) == {
        "matplotlib", "matplotlib.pyplot", "sklearn", "sklearn.preprocessing", "sklearn.metrics",
        "sklearn.model_selection", "sklearn.model_selection.train_test_split", "sklearn.model_selection.KFold"}
    assert imported_modules("import pandas as pd\nimport tensorflow as tf\n") == set()
    assert imported_modules("model = keras.Sequential([\n") == set(), "code that does not parse fails on its own"


def test_a_module_is_preloaded_only_when_more_submissions_import_it_than_zygotes_start() -> None:
    codes = [PLOTS, PLOTS, PLOTS, SPLITS, "value = 1"]
    assert choose_preload(codes, zygote_starts=2) == ("matplotlib.pyplot",)
    assert choose_preload(codes, zygote_starts=3) == ()
    assert choose_preload([SPLITS, SPLITS], zygote_starts=1) == (
        "sklearn.model_selection.train_test_split",), "the longest name stands for its parents"
    assert choose_preload([], zygote_starts=0) == ()


def test_batch_files_are_read_like_gradings_and_bad_ones_are_left_out(tmp_path: Path) -> None:
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                           "source": ["%matplotlib inline\n", PLOTS]}]}
    (tmp_path / "ana.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (tmp_path / "bruno.py").write_text(PLOTS, encoding="utf-8")
    (tmp_path / "carla.py").write_bytes(b"import matplotlib.pyplot\n\xff\xfe")  # not UTF-8
    files = [(name, (tmp_path / name).read_bytes) for name in ("ana.ipynb", "bruno.py", "carla.py", "gone.py")]
    assert batch_preload(files, zygote_starts=1) == ("matplotlib.pyplot",)
    assert batch_preload(files, zygote_starts=2) == (), "carla's and the missing file do not count"
