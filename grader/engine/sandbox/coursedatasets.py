"""Keras' data sets, generated: deterministic stand-ins with the real shapes, dtypes, value ranges and label sets.

Plain Python with numpy only, loaded beside the harness inside the sandbox (courseenv.py installs them as
`keras.datasets.<name>.load_data()`) and imported by grader/engine/datasets.py on the trusted side, so the
brief training sees the very images a student's `fashion_mnist.load_data()` returned. Fewer rows than the real
sets, learnable (class patterns and noise).
"""

# (train, test) distinct images generated per set; load_data repeats them up to the real rows (REAL_ROWS), so
# code that hard-codes `reshape(60000, 784)` runs; the trusted brief training uses the distinct ones.
IMAGE_ROWS = {"mnist": (6000, 1000), "fashion_mnist": (6000, 1000), "cifar10": (3000, 600), "cifar100": (3000, 600)}
REAL_ROWS = {"mnist": (60000, 10000), "fashion_mnist": (60000, 10000), "cifar10": (50000, 10000),
             "cifar100": (50000, 10000)}
SEEDS = {"mnist": 11, "fashion_mnist": 12, "cifar10": 13, "cifar100": 14, "boston_housing": 15, "imdb": 16,
          "reuters": 17}
_CACHE: dict = {}


def prototypes(rng, classes, side, channels):
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
        rng = np.random.default_rng(SEEDS[name])
        rgb = name.startswith("cifar")
        side, classes = (32, 100 if name == "cifar100" else 10) if rgb else (28, 10)
        n_train, n_test = IMAGE_ROWS[name]
        n = n_train + n_test
        pad = 4  # patterns drawn on a larger field, each image a randomly shifted window of it
        protos = prototypes(rng, classes, side + 2 * pad, 3 if rgb else 0)
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

    rng = np.random.default_rng(SEEDS["boston_housing"])
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

    rng = np.random.default_rng(SEEDS[name])
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
