"""The course's data inside the sandbox: Keras' data sets and the student's own data files, offline.

Plain Python with numpy only (no import from the grader package): the harness loads it inside the sandbox,
and grader/engine/datasets.py imports the same generator on the trusted side (`image_dataset`), so the brief
training sees the very images a student's `fashion_mnist.load_data()` returned.

* `keras.datasets.<name>.load_data()` answers, under every import path, with deterministic generated data
  with the real shapes, dtypes, value ranges and label sets (fewer rows), learnable (class patterns + noise).
* Opening a course data file (red-wine.csv, winequality-red.csv and variants) anywhere reads the shipped
  copy; any other missing file raises a FileNotFoundError that says why (in Spanish and English).
* Kaggle's Fashion-MNIST CSVs (`fashion-mnist_train.csv`, `_test.csv`: `label,pixel1..pixel784`) read with
  pandas answer with the very images keras.datasets.fashion_mnist gives here.
* No network: keras.utils.get_file of a course data file gives a path that reads the shipped copy;
  any other download (get_file, urllib's urlopen, requests) raises an error that says there is no connection.
* `note(code, **args)`: what was adapted for this job, as short codes the host turns into feedback.
"""

import builtins
import errno
import io
import os
import re

# The file name the harness compiles the student's code under: every "from the student's own code?" check
# of the course environment reads it.
SUBMISSION = "<submission>"
MAX_NOTES = 20
NOTES: list = []
# The data files of the student's folder written beside the code (normalised file name -> path; harness).
STUDENT_FILES: dict = {}
_SEEN: set = set()
# (train, test) distinct images generated per set; load_data repeats them up to the real rows (REAL_ROWS), so
# code that hard-codes `reshape(60000, 784)` runs; the trusted brief training uses the distinct ones.
IMAGE_ROWS = {"mnist": (6000, 1000), "fashion_mnist": (6000, 1000), "cifar10": (3000, 600), "cifar100": (3000, 600)}
REAL_ROWS = {"mnist": (60000, 10000), "fashion_mnist": (60000, 10000), "cifar10": (50000, 10000),
             "cifar100": (50000, 10000)}
_SEEDS = {"mnist": 11, "fashion_mnist": 12, "cifar10": 13, "cifar100": 14, "boston_housing": 15, "imdb": 16,
          "reuters": 17}
_CACHE: dict = {}
# Data files of the course, by normalised file name -> the shipped copy (grader/engine/data, /sandbox/data inside).
COURSE_FILES = {"red-wine.csv": "winequality-red.csv", "winequality-red.csv": "winequality-red.csv",
                "wine-quality-red.csv": "winequality-red.csv", "redwine.csv": "winequality-red.csv",
                "winequalityred.csv": "winequality-red.csv"}


def note(code, **args):
    """Record that the environment adapted something (once per code and arguments, at most MAX_NOTES)."""
    key = (code, tuple(sorted(args.items())))
    if key not in _SEEN and len(NOTES) < MAX_NOTES:
        _SEEN.add(key)
        NOTES.append({"code": code, "args": {k: v if type(v) is int else str(v)[:80] for k, v in args.items()}})


def begin_job():
    """Forget the notes of whatever ran before in this process."""
    NOTES.clear()
    _SEEN.clear()


# --- Keras data sets --------------------------------------------------------------------------------------

def _prototypes(rng, classes, side, channels):
    """One pattern per class: a few bright rectangles (and a colour, for RGB) on a dark field, in [0, 1]."""
    import numpy as np

    protos = np.zeros((classes, side, side), dtype="float32")
    for k in range(classes):
        for _ in range(3):
            r, c = rng.integers(0, side - 6, size=2)
            h, w = rng.integers(4, side // 2, size=2)
            protos[k, r:r + h, c:c + w] = rng.uniform(0.6, 1.0)
    if channels:
        colours = rng.uniform(0.3, 1.0, size=(classes, 1, 1, channels)).astype("float32")
        protos = protos[..., None] * colours
    return protos


def image_dataset(name, label_mode="fine"):
    """((x_train, y_train), (x_test, y_test)) for mnist, fashion_mnist, cifar10 or cifar100: uint8 images
    0-255 (28x28, or 32x32x3), uint8 labels (shape (n,) for the MNISTs, (n, 1) for CIFAR). Cached.

    Each image is its class's pattern, shifted by up to 4 pixels, at one of three brightness levels, with
    uniform noise on top."""
    import numpy as np

    key = (name, label_mode)
    if key not in _CACHE:
        rng = np.random.default_rng(_SEEDS[name])
        rgb = name.startswith("cifar")
        side, classes = (32, 100 if name == "cifar100" else 10) if rgb else (28, 10)
        n_train, n_test = IMAGE_ROWS[name]
        n = n_train + n_test
        pad = 4  # patterns drawn on a larger field, each image a randomly shifted window of it
        protos = _prototypes(rng, classes, side + 2 * pad, 3 if rgb else 0)
        levels = np.stack([protos * level for level in (50, 75, 100)]).astype("uint8")
        windows = np.lib.stride_tricks.sliding_window_view(levels, (side, side), axis=(2, 3))
        y = rng.permutation(np.arange(n) % classes).astype("uint8")
        dy, dx = rng.integers(0, 2 * pad + 1, size=(2, n))
        x = windows[rng.integers(0, 3, size=n), y, dy, dx]
        if rgb:
            x = np.moveaxis(x, 1, -1).copy()
        x += rng.integers(0, 156, size=x.shape, dtype="uint8")  # at most 100 + 155: no overflow
        if name == "cifar100" and label_mode == "coarse":
            y = (y // 5).astype("uint8")
        if rgb:
            y = y.reshape(-1, 1)
        _CACHE[key] = ((x[:n_train], y[:n_train]), (x[n_train:], y[n_train:]))
    (a, b), (c, d) = _CACHE[key]
    return (a.copy(), b.copy()), (c.copy(), d.copy())


def real_rows(name, parts):
    """The generated ((x, y), (x, y)) of `name` repeated up to the real data set's rows."""
    import numpy as np

    counts = REAL_ROWS[name]
    return tuple(tuple(np.resize(a, (n, *a.shape[1:])) for a in part) for part, n in zip(parts, counts, strict=True))


def boston_housing(test_split=0.2):
    """506 houses, 13 float64 features in realistic ranges, prices (float64, in $1000s) from 5 to 50."""
    import numpy as np

    rng = np.random.default_rng(_SEEDS["boston_housing"])
    scale = np.array([4, 20, 11, 0.3, 0.55, 6.3, 70, 3.8, 9, 400, 18, 360, 12.6])
    z = rng.standard_normal((506, 13))
    x = np.abs(scale * (1 + 0.3 * z))
    y = np.clip(22.5 + z @ rng.normal(0, 2.5, 13) + rng.normal(0, 1.5, 506), 5, 50)
    cut = int(506 * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def sequences(name, num_words=None, skip_top=0, maxlen=None, start_char=1, oov_char=2, index_from=3,
              test_split=0.2, **_):
    """imdb (2 classes, 1,000 reviews each for train and test) or reuters (46 topics, 2,000 newswires):
    object arrays of int lists as Keras gives them, int64 labels; words are ranks, class-dependent."""
    import numpy as np

    rng = np.random.default_rng(_SEEDS[name])
    classes, n, vocab = (2, 2000, 5000) if name == "imdb" else (46, 2000, 3000)
    labels = rng.permutation(np.arange(n) % classes).astype("int64")
    topic_words = rng.integers(20, vocab, size=(classes, 30))
    lengths = rng.integers(20, 120, size=n)
    owner = np.repeat(labels, lengths)
    words = np.minimum(rng.zipf(1.3, size=owner.size), vocab)
    own = rng.random(owner.size) < 0.3
    words[own] = topic_words[owner[own], rng.integers(0, 30, size=int(own.sum()))]
    words = words + index_from
    words[(words < skip_top) | ((words >= num_words) if num_words else False)] = oov_char
    ends = np.cumsum(lengths)[:-1]
    x = np.empty(n, dtype=object)
    x[:] = [[start_char, *part.tolist()[:(maxlen - 1) if maxlen else None]] for part in np.split(words, ends)]
    cut = n // 2 if name == "imdb" else int(n * (1 - test_split))
    return (x[:cut], labels[:cut]), (x[cut:], labels[cut:])


def _loader(name):
    def load_data(*args, **kwargs):
        """Offline stand-in for Keras' loader: deterministic generated data with the real shapes and dtypes."""
        if name in IMAGE_ROWS:
            mode = kwargs.get("label_mode", args[0] if args else "fine")
            result = real_rows(name, image_dataset(name, "coarse" if mode == "coarse" else "fine"))
        elif name == "boston_housing":
            result = boston_housing(float(kwargs.get("test_split", 0.2)))
        else:
            result = sequences(name, **kwargs)
        note("dataset", name=name, train=len(result[0][0]), test=len(result[1][0]))
        return result

    return load_data


def _word_index(*_, **__):
    """A made-up vocabulary: word<rank> -> rank."""
    return {f"word{rank}": rank for rank in range(1, 5001)}


def install_datasets(sys_modules):
    """Swap every loader Keras exposes (its own modules and the aliases already imported) for the offline
    one. Aliases imported later (tf.keras' copies) read the swapped attribute of Keras' own module."""
    aliases: dict = {}
    for mod_name, module in list(sys_modules.items()):
        head, _, last = mod_name.rpartition(".")
        if last in _SEEDS and head.endswith("datasets") and module is not None:
            aliases.setdefault(last, []).append(module)
    for name in _SEEDS:
        source = sys_modules.get(f"keras.src.datasets.{name}")
        if source is None:
            continue
        swaps = {"load_data": _loader(name)}
        if name in ("imdb", "reuters"):
            swaps["get_word_index"] = _word_index
        if name == "reuters":
            swaps["get_label_names"] = lambda: tuple(f"topic{i}" for i in range(46))
        originals = {attr: vars(source).get(attr) for attr in swaps}
        for module in aliases.get(name, []):
            for attr, new in swaps.items():
                if vars(module).get(attr) is originals[attr]:
                    setattr(module, attr, new)


# --- The student's own files -----------------------------------------------------------------------------

def files():
    """coursefiles (the data files made from their schemas), the module beside this file: the one the harness
    loaded, else loaded here once (on the trusted side, which imports this file from the grader's package)."""
    import sys

    if "coursefiles" not in sys.modules:
        import importlib.util

        spec = importlib.util.spec_from_file_location(
            "coursefiles", os.path.join(os.path.dirname(os.path.abspath(__file__)), "coursefiles.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["coursefiles"] = module
    return sys.modules["coursefiles"]


def data_dir():
    """The shipped data: /sandbox/data inside the sandbox, grader/engine/data outside."""
    return files().data_dir()


def known_file(path):
    """Whether `path` names a file of the student's folder or a course data file, shipped or made from its
    schema (wherever it pointed)."""
    return files().normalised(path) in STUDENT_FILES or course_copy(path) is not None \
        or files().layout(path) is not None


def course_copy(path):
    """The shipped copy of a course data file named like `path` (wherever it pointed), or None."""
    shipped = COURSE_FILES.get(files().normalised(path))
    return os.path.join(data_dir(), shipped) if shipped else None


def missing_file_error(path):
    """A short FileNotFoundError saying which file and that the grader cannot see the student's files (the
    host's note, from the harness's `missing_file`, says what the exercise provides instead)."""
    name = re.split(r"[\\/]", str(path))[-1][:80]
    exc = FileNotFoundError(errno.ENOENT, f"No se encontró '{name}': el corrector no ve tus propios archivos / "
                                          f"'{name}' not found: the grader cannot see your own files")
    exc.course_missing = name  # type: ignore[attr-defined]  # read back by the harness
    return exc


def no_network_error(url):
    """An OSError saying there is no connection here, for a download of `url` (get_file, urllib, requests)."""
    name = re.split(r"[\\/]", str(url).split("?")[0].rstrip("/"))[-1][:80] or str(url)[:80]
    exc = ConnectionError(f"Sin conexión a internet: no se puede descargar '{name}' / no internet connection: "
                          f"'{name}' cannot be downloaded")
    # A plain ConnectionError (what students' code catches), marked for the harness's note.
    exc.course_download = name  # type: ignore[attr-defined]
    return exc


def _file_name(fname, origin):
    name = fname if isinstance(fname, (str, os.PathLike)) and fname else origin
    return os.fspath(name) if isinstance(name, os.PathLike) else name


def get_file(fname=None, origin=None, *args, **kwargs):
    """keras.utils.get_file offline: a course data file answers with a path whose reading finds the shipped
    copy; anything else raises an error that says there is no connection (the host's note says what the
    exercise provides)."""
    name = _file_name(fname, origin)
    if known_file(name) or known_file(origin):
        # Where Keras would have saved it: reading that path finds the course's copy (in the layout asked,
        # e.g. UCI's `sep=';'`), as any other course file path does.
        base = re.split(r"[\\/]", name if known_file(name) else origin)[-1]
        return os.path.join(os.path.expanduser("~"), ".keras", "datasets", base)
    raise no_network_error(origin or name)


def _is_url(url):
    return isinstance(url, str) and url.lower().startswith(("http://", "https://", "ftp://"))


def _offline_urlopen(original):
    def urlopen(url, *args, **kwargs):
        """urllib's urlopen with no network: a course data file is read from the shipped copy, any other
        http(s)/ftp URL raises an error that says there is no connection."""
        target = getattr(url, "full_url", url)
        if not _is_url(target):
            return original(url, *args, **kwargs)
        if known_file(target):
            return _open_redirected(target, "rb")
        raise no_network_error(target)

    urlopen.__doc__ = original.__doc__
    return urlopen


def patch_requests(requests):
    """requests.get/post... with no network: an error that says there is no connection (not a DNS failure)."""
    original = requests.Session.request

    def request(self, method, url, *args, **kwargs):
        if _is_url(url):
            reason = no_network_error(url)
            exc = requests.ConnectionError(str(reason))
            exc.course_download = reason.course_download
            raise exc
        return original(self, method, url, *args, **kwargs)

    requests.Session.request = request


def install_downloads(sys_modules):
    """keras.utils.get_file (every alias already imported) and urllib.request.urlopen, offline."""
    source = sys_modules.get("keras.src.utils.file_utils")
    original = vars(source).get("get_file") if source is not None else None
    for mod_name, module in list(sys_modules.items()):
        if module is not None and (mod_name.endswith("utils") or mod_name.endswith("file_utils")) \
                and (mod_name.startswith("keras") or mod_name.startswith("tensorflow")) \
                and original is not None and vars(module).get("get_file") is original:
            module.get_file = get_file
    import urllib.request

    urllib.request.urlopen = _offline_urlopen(urllib.request.urlopen)


# Kaggle's image CSVs (`label,pixel1..pixel784`), by normalised file name -> (data set, 0 train / 1 test).
IMAGE_CSVS = {"fashion-mnist-train.csv": ("fashion_mnist", 0), "fashion-mnist-test.csv": ("fashion_mnist", 1)}


def image_csv(pandas, path, nrows=None):
    """Kaggle's Fashion-MNIST CSV `path` (train or test) as pandas reads it, from the very images
    keras.datasets.fashion_mnist gives here; None if `path` is not one of them."""
    import numpy as np

    found = IMAGE_CSVS.get(files().normalised(path))
    if found is None:
        return None
    name, part = found
    x, y = image_dataset(name)[part]
    table = np.column_stack([y.astype("int64"), x.reshape(len(x), -1).astype("int64")])
    if isinstance(nrows, int) and nrows >= 0:
        table = table[:nrows]
    columns = ["label"] + [f"pixel{i}" for i in range(1, table.shape[1])]
    note("image_csv", file=re.split(r"[\\/]", str(path))[-1][:80], rows=len(table))
    return pandas.DataFrame(table, columns=columns)


def _reading(mode):
    return isinstance(mode, str) and not any(c in mode for c in "wax+")


def _redirect(path, delimiter=None, binary=False, header=None):
    """What to read instead of the missing `path`: the shipped copy (as ';'-separated text if asked), or
    the file made from its schema (a file object), noted once."""
    own = STUDENT_FILES.get(files().normalised(path))
    if own is not None:  # the student's own copy, handed in beside the code: theirs comes first
        note("own_file", file=os.path.basename(own))
        return own
    copy = course_copy(path)
    if copy is None:
        if files().layout(path) is None:
            raise missing_file_error(path)
        name = re.split(r"[\\/]", os.fspath(path).split("?")[0])[-1][:80]
        if files().is_real(path):  # scikit-learn's bundled copy of the real data set
            note("course_file", file=name)
        else:
            served, real = files().rows(path)
            note("course_table", file=name, rows=served, real=real)
        return files().reader(path, delimiter or ",", binary, header)
    note("course_file", file=os.path.basename(copy))
    if delimiter == ";":
        with _real_open(copy, encoding="utf-8") as fh:
            return io.StringIO(fh.read().replace(",", ";"))
    return copy


def _open_redirected(path, mode, *args, **kwargs):
    target = _redirect(path, binary="b" in mode)
    return target if isinstance(target, (io.StringIO, io.BytesIO)) else _real_open(target, mode, *args, **kwargs)


_real_open = builtins.open


def _open(file, mode="r", *args, **kwargs):
    """builtins.open, except that a course data file that is not where the notebook said is read from the
    shipped copy, and any other missing file is explained."""
    try:
        return _real_open(file, mode, *args, **kwargs)
    except FileNotFoundError:
        if not isinstance(file, (str, os.PathLike)) or not _reading(mode):
            raise
    return _open_redirected(file, mode, *args, **kwargs)


def _text_reader(original, delimiter_position):
    def read(fname, *args, **kwargs):
        """numpy's reader, with the course's data files found wherever the path pointed."""
        if isinstance(fname, (str, os.PathLike)) and not os.path.exists(fname):
            delimiter = kwargs.get("delimiter", args[delimiter_position] if len(args) > delimiter_position else None)
            # A numeric reader parses a header row only when told to skip it (or to read names from it).
            skips = any(kwargs.get(key) for key in ("skiprows", "skip_header", "names"))
            fname = _redirect(fname, delimiter, header=skips)
        return original(fname, *args, **kwargs)

    read.__name__, read.__doc__ = original.__name__, original.__doc__
    return read


def patch_pandas(pandas):
    """pandas.read_csv of a course file that is not there (a local path or a URL, such as UCI's) reads the
    shipped copy, ';'-separated when asked (UCI's original layout); other paths reach builtins.open."""
    original = pandas.read_csv

    def read_csv(filepath_or_buffer, *args, **kwargs):
        if isinstance(filepath_or_buffer, (str, os.PathLike)) and not os.path.exists(filepath_or_buffer):
            frame = image_csv(pandas, filepath_or_buffer, kwargs.get("nrows"))
            if frame is not None:
                return frame
        if isinstance(filepath_or_buffer, (str, os.PathLike)) and known_file(filepath_or_buffer) \
                and not os.path.exists(filepath_or_buffer):
            sep = kwargs.get("sep", kwargs.get("delimiter", args[0] if args else None))
            filepath_or_buffer = _redirect(filepath_or_buffer, sep)
        return original(filepath_or_buffer, *args, **kwargs)

    read_csv.__doc__ = original.__doc__
    pandas.read_csv = read_csv


def install_files(np):
    """Patch builtins.open, numpy.loadtxt and numpy.genfromtxt (pandas.read_csv goes through open)."""
    builtins.open = _open
    np.loadtxt = _text_reader(np.loadtxt, 2)
    np.genfromtxt = _text_reader(np.genfromtxt, 2)
