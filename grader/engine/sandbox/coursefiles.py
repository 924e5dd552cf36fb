"""The data files students read by name (spotify.csv, fuel.csv, ionosphere.data, diabetes.csv...), made here.

Plain Python with numpy and pandas only (no import from the grader package): loaded beside the harness in
the sandbox, and importable on the trusted side for tests. Nothing is downloaded: `data/tables.json` holds
each table's schema (columns in order, kinds, ranges, categories, label encoding, row count) and every file
name it is read under with its layout (header or not, index column, renamed columns, other labels). A table
is either generated from its spec, deterministically (a seeded generator; the target a noisy function of the
other columns, so a right model learns it), or, for `"sklearn"` tables, scikit-learn's bundled real copy.

Column kinds: `num` (normal, `exp` or `uniform` between min and max, rounded; `zero`: share of zeros),
`values` (numbers drawn from a list), `cat` (strings from a list, each present at least a few times), `text`
(`format` filled with one of `pool` numbers), `id` (one per row), `const`, `feature` (an sklearn column) and
one `target` (`regression`, or `binary` with its two labels and positive rate). Any column may have
`missing` (a share of empty cells).
"""

import io
import json
import math
import os
import re

_HERE = os.path.dirname(os.path.abspath(__file__))
_SPECS: dict = {}
_TEXT: dict = {}
NOISE = 0.35  # the target's noise, in standard deviations of its signal


def data_dir():
    """The shipped data: /sandbox/data inside the sandbox, grader/engine/data outside."""
    inside = os.path.join(_HERE, "data")
    return inside if os.path.isdir(inside) else os.path.join(os.path.dirname(_HERE), "data")


def specs():
    """tables.json, read once."""
    if not _SPECS:
        with open(os.path.join(data_dir(), "tables.json"), encoding="utf-8") as fh:
            _SPECS.update(json.load(fh))
    return _SPECS


def normalised(path):
    """The file name of `path` (a local path, a Windows path or a URL), lower case, '_' and ' ' as '-'."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        return None
    return re.split(r"[\\/]", path.split("?")[0].rstrip("/"))[-1].strip().lower().replace("_", "-").replace(" ", "-")


def layout(path):
    """The layout of the known data file named like `path` (with its `table`), or None. A key with '/' (a
    repository's copy with its own layout) matches the end of the path or URL before a file name does."""
    name = normalised(path)
    if name is None:
        return None
    files = specs()["files"]
    full = "/".join(re.split(r"[\\/]+", os.fspath(path).split("?")[0].lower()))
    found = next((found for key, found in files.items() if "/" in key and full.endswith("/" + key)), files.get(name))
    # A student's own copy numbered or marked as a copy ('pima-indians-diabetes3.csv', 'sonar (1).csv').
    return found if found is not None else files.get(_COPY.sub(r"\3", name))


_COPY = re.compile(r"(-*(\(\d+\)|copy|copia|\d+))+(\.[a-z0-9]+)$")


def _uniform(z):
    """Ranks of `z` mapped into (0, 1): keeps the order, so a column stays tied to its latent value."""
    import numpy as np

    ranks = np.empty(len(z))
    ranks[np.argsort(z, kind="stable")] = np.arange(len(z))
    return (ranks + 0.5) / len(z)


def _present(idx, count, rows):
    """Every one of `count` values at least a few times (an exercise's one-hot width depends on it)."""
    each = min(10, rows // (4 * count))
    if each:
        idx[:each * count] = [k % count for k in range(each * count)]
    return idx


def _numbers(col, rng, n):
    import numpy as np

    z = rng.standard_normal(n)
    u = _uniform(z)
    dist, lo, hi = col.get("dist", "normal"), col["min"], col["max"]
    if dist == "exp":
        values = lo + max(col["mean"] - lo, 1e-9) * -np.log1p(-u)
    elif dist == "uniform":
        values = lo + (hi - lo) * u
    else:
        values = col["mean"] + col["std"] * z
    values[rng.random(n) < col.get("zero", 0.0)] = 0
    values = np.round(np.clip(values, lo, hi), col.get("round", 2))
    return values.astype("int64") if col.get("round", 2) == 0 else values


def _column(col, rng, n):
    """(values, contribution to the target's signal) of one non-target column."""
    import numpy as np

    kind, weight = col["kind"], rng.normal()
    if kind == "num":
        values = _numbers(col, rng, n)
        return values, weight * (values - values.mean()) / (values.std() or 1)
    if kind in ("values", "cat"):
        options = col["values"]
        p = np.asarray(col.get("p") or [1.0] * len(options), dtype="float64")
        idx = _present(rng.choice(len(options), size=n, p=p / p.sum()), len(options), n)
        effects = rng.normal(size=len(options)) * 0.7
        table = np.asarray(options, dtype=object if kind == "cat" else None)
        return table[idx], effects[idx]
    if kind == "text":
        start = col.get("start", 0)
        picks = rng.integers(0, col["pool"], size=n) + start
        return np.asarray([col["format"].format(int(k)) for k in picks], dtype=object), 0.0
    if kind == "id":
        start = col.get("start", 0)
        return np.asarray([col["format"].format(start + i) for i in range(n)], dtype=object), 0.0
    if kind == "const":
        return np.full(n, col["value"]), 0.0
    raise ValueError(f"unknown column kind {kind!r}")


def _target(col, rng, signal):
    """The target column from the other columns' signal plus noise: learnable, with the real distribution."""
    import numpy as np

    n = len(signal)
    s = np.zeros(n) + signal
    s = (s - s.mean()) / (s.std() or 1)
    s = s + NOISE * rng.standard_normal(n)
    s = (s - s.mean()) / (s.std() or 1)
    if col["task"] == "regression":
        values = np.round(np.clip(col["mean"] + col["std"] * s, col["min"], col["max"]), col.get("round", 2))
        return values.astype("int64") if col.get("round", 2) == 0 else values
    positive = s > np.quantile(s, 1 - col["rate"])
    return np.asarray(col["labels"], dtype=object)[positive.astype(int)]


def _missing(values, share, rng):
    import numpy as np

    if not share:
        return values
    holes = rng.random(len(values)) < share
    if values.dtype == object:
        values = values.copy()
        values[holes] = None
    else:
        values = values.astype("float64")
        values[holes] = np.nan
    return values


def _generated(spec):
    """The columns of a generated table, in order: name -> numpy array."""
    rng = __import__("numpy").random.default_rng(spec["seed"])
    n, columns, signal = spec["rows"], {}, 0.0
    for col in spec["columns"]:
        if col["kind"] != "target":
            columns[col["name"]], part = _column(col, rng, n)
            signal = signal + part
    for col in spec["columns"]:
        if col["kind"] == "target":
            columns[col["name"]] = _target(col, rng, signal)
    return {col["name"]: _missing(columns[col["name"]], col.get("missing", 0.0), rng) for col in spec["columns"]}


def _bundled(spec):
    """The columns of a table bundled with scikit-learn (real data), renamed and labelled as the spec says."""
    import importlib.util

    import numpy as np

    # scikit-learn's own CSV (a count line, then the features and the class number), read without importing
    # scikit-learn's datasets module (which imports SciPy).
    where = importlib.util.find_spec("sklearn")
    assert where is not None and where.submodule_search_locations
    path = os.path.join(next(iter(where.submodule_search_locations)), "datasets", "data", spec["sklearn"] + ".csv")
    with open(path, encoding="utf-8") as fh:
        table = np.loadtxt(fh, delimiter=",", skiprows=1)
    features, target = table[:, :-1], table[:, -1].astype(int)
    columns = {}
    for col in spec["columns"]:
        if col["kind"] == "feature":
            columns[col["name"]] = features[:, col["index"]]
        elif col["kind"] == "target":
            columns[col["name"]] = np.asarray(col["labels"], dtype=object)[target]
        else:
            columns[col["name"]], _ = _column(col, np.random.default_rng(0), len(target))
    return columns


def frame(path):
    """The pandas DataFrame of the known file named like `path` as its writer laid it out (before reading)."""
    import pandas as pd

    found = layout(path)
    spec = specs()["tables"][found["table"]]
    columns = _bundled(spec) if "sklearn" in spec else _generated(spec)
    target = next(col["name"] for col in spec["columns"] if col["kind"] == "target")
    if "labels" in found:  # the same classes under this file's labels (UCI's 'g'/'b' for 'good'/'bad')
        own = next(col for col in spec["columns"] if col["kind"] == "target")["labels"]
        mapping = dict(zip(own, found["labels"], strict=True))
        columns[target] = [mapping.get(v, v) for v in columns[target]]
    table = pd.DataFrame(columns)
    table = table[found["keep"]] if "keep" in found else table.drop(columns=found.get("drop", []))
    table = table.rename(columns=found.get("rename", {}))
    if found.get("trailing_empty"):  # Kaggle's CSV ends each line with a comma: pandas reads 'Unnamed: N'
        table[""] = math.nan
    return table


def text(path, sep=",", header=None):
    """The CSV text of the known file named like `path` (`sep`-separated; with its header row, or as `header`
    says), or None if it is not one. Cached."""
    found = layout(path)
    if found is None:
        return None
    header = found.get("header", True) if header is None else header
    key = (id(found), sep, header)
    if key not in _TEXT:
        _TEXT[key] = frame(path).to_csv(sep=sep, index=bool(found.get("index")), header=header)
    return _TEXT[key]


def rows(path):
    """(rows served, rows of the real data set) of the known file named like `path`."""
    spec = specs()["tables"][layout(path)["table"]]
    served = spec.get("rows") or len(frame(path))
    return served, spec.get("real_rows", served)


def is_real(path):
    """Whether the known file named like `path` holds the real data set (scikit-learn's copy)."""
    return "sklearn" in specs()["tables"][layout(path)["table"]]


def reader(path, sep=",", binary=False, header=None):
    """A file object reading the known file named like `path` (`header`: see `text`)."""
    content = text(path, sep if sep in (",", ";", "\t", " ") else ",", header)
    return io.BytesIO(content.encode("utf-8")) if binary else io.StringIO(content)
