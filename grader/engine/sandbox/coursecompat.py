"""The notebook's imports inside the sandbox: Colab/Kaggle/IPython scaffolding and old module paths.

Plain Python (no import from the grader package), loaded by the harness. Scaffolding that is NOT really
installed (google.colab, IPython, Kaggle's learntools, tqdm, and coursestubs' tensorflow_hub and
tensorflow_datasets) is served by an import hook placed LAST on
sys.meta_path, so an installed package is never shadowed; it runs and does nothing. Old module paths
(`keras.layers.core`, `keras.engine...`, `numpy.lib.function_base`) resolve to today's modules the same
way. A hook placed first patches pandas and matplotlib right after they are imported (courseenv's
read_csv, courseapi's styles, courseenv's offline requests). `get_ipython()` (nbconvert's scripts) is in
the student's namespace and does nothing. Every adaptation is noted once (courseenv.note).
"""

import importlib
import importlib.abc
import importlib.machinery
import re
import sys
import types

from courseapi import cap_sklearn, patch_one_hot, patch_styles
from courseenv import note, patch_pandas, patch_requests
from coursestubs import _hub, _sklearn_wrappers, _tfds, numpy1_names
from coursetypos import after_import as patch_keras_api


class Nothing:
    """Absorbs any use: calls, attributes, iteration, `with`; false and empty."""

    def __call__(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return ""


NOTHING = Nothing()


def _noted(code, result=None):
    def call(*args, **kwargs):
        note(code)
        return result if result is not None else NOTHING

    return call


class Progress:
    """tqdm stand-in: iterates what it wraps, shows nothing."""

    def __init__(self, iterable=None, *args, **kwargs):
        self.iterable = iterable if iterable is not None else ()

    def __iter__(self):
        return iter(self.iterable)

    def __len__(self):
        return len(self.iterable)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return NOTHING


class Shell:
    """What `get_ipython()` returns in a notebook exported by `jupyter nbconvert --to script`: its `!pip` and
    `%matplotlib` lines (system, run_line_magic, run_cell_magic, magic, getoutput) run and do nothing."""

    def _skip(self, *args, **kwargs):
        note("get_ipython")

    system = run_line_magic = run_cell_magic = magic = _skip

    def getoutput(self, *args, **kwargs):
        note("get_ipython")
        return []

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return NOTHING


SHELL = Shell()


def get_ipython():
    """nbconvert's scripts call get_ipython() where the notebook had `!` and `%` lines."""
    return SHELL


def _learntools(module):
    """Kaggle's exercise checker: binder.bind(globals()), q_1.check(), q_2.a.hint()... do nothing."""
    module.__all__ = ["binder"] + [f"q_{i}" for i in range(1, 10)]
    module.binder = NOTHING
    for i in range(1, 10):
        setattr(module, f"q_{i}", NOTHING)
    note("learntools")


def _colab(module):
    """google.colab: drive.mount, files.upload and files.download run and do nothing."""
    if module.__name__ in ("google.colab", "google.colab.drive"):
        module.drive = types.SimpleNamespace(mount=_noted("colab_drive"), flush_and_unmount=_noted("colab_drive"))
        module.mount, module.flush_and_unmount = module.drive.mount, module.drive.flush_and_unmount
    if module.__name__ in ("google.colab", "google.colab.files"):
        module.files = types.SimpleNamespace(upload=_noted("colab_files", {}), download=_noted("colab_files"))
        module.upload, module.download = module.files.upload, module.files.download


def _ipython(module):
    """IPython.display without IPython: display, HTML, Markdown, Image, clear_output do nothing. Nothing
    else is there (libraries probe IPython: get_ipython() is None, as outside a notebook)."""
    module._strict = True
    module.__all__ = ["display", "HTML", "Markdown", "Image", "clear_output", "Javascript", "SVG", "Audio"]
    for name in module.__all__:
        setattr(module, name, NOTHING)
    module.get_ipython = lambda: None
    module.version_info = (8, 24, 0)
    note("ipython")


def _tqdm(module):
    """tqdm without tqdm: tqdm(iterable) and trange(n) iterate and show nothing."""
    module._strict = True
    module.__all__ = ["tqdm", "trange"]
    module.tqdm = Progress
    module.trange = lambda *args, **kwargs: Progress(range(*args))
    note("tqdm")


# Scaffolding served only when the real package is absent: top-level name -> what its modules hold.
STUBS = {"google": _colab, "IPython": _ipython, "learntools": _learntools, "tqdm": _tqdm,
         "tensorflow_hub": _hub, "tensorflow_datasets": _tfds}
# Old module paths (only when the import itself fails) -> the modules to look names up in. Only the old
# modules' own names: a typo (`from keras.layers import Dens`) must still fail as it would anywhere.
_KERAS = r"(tensorflow\.)?keras\."
ALIASES = (
    (re.compile(_KERAS + r"layers\.(core|convolutional|pooling|recurrent|normalization|merge|embeddings|"
                r"advanced_activations|noise|local|convolutional_recurrent|wrappers|dense_attention)$"),
     ("keras.layers",)),
    (re.compile(_KERAS + r"engine(\.(sequential|training|functional|topology|input_layer|base_layer))?$"),
     ("keras.models", "keras.layers", "keras")),
    (re.compile(_KERAS + r"utils\.(np_utils|generic_utils|vis_utils|data_utils)$"), ("keras.utils",)),
    (re.compile(_KERAS + r"optimizers\.(legacy|optimizer_v2)$"), ("keras.optimizers",)),
    (re.compile(r"numpy\.lib\.(function_base|type_check|shape_base|arraysetops|nanfunctions|index_tricks|"
                r"twodim_base|ufunclike|utils|npyio)$"), ("numpy",)),
)


# Keras 2's scikit-learn wrappers and scikeras' (only when not installed): coursestubs' KerasClassifier.
WRAPPERS = re.compile(r"((tensorflow\.)?keras\.wrappers(\.scikit_learn)?|scikeras(\.wrappers)?)$")

_ALIASED: set = set()


class _Module(types.ModuleType):
    """A stub or alias module (a package, so its submodules import too); unknown names come from `targets`
    or, for Colab's and Kaggle's scaffolding, do nothing."""

    def __getattr__(self, name):
        targets = self.__dict__.get("_targets", ())
        if name == "__all__" and targets:  # `from keras.layers.core import *`
            return [n for n in dir(importlib.import_module(targets[0])) if not n.startswith("_")]
        if name.startswith("__"):
            raise AttributeError(name)
        for target in targets:
            module = importlib.import_module(target)
            if hasattr(module, name):
                return getattr(module, name)
            if target == "numpy" and name in numpy1_names(module):  # `from numpy.lib.function_base import disp`
                note("numpy1", name=name)
                return numpy1_names(module)[name]
        if self.__dict__.get("_targets") or self.__dict__.get("_strict"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        return NOTHING


class _Loader(importlib.abc.Loader):
    def __init__(self, fill):
        self.fill = fill

    def create_module(self, spec):
        module = _Module(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        self.fill(module)


class MissingFinder(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: reached only when no real module of that name exists."""

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        fill = None
        if top in STUBS and (top != "google" or name.startswith("google.colab")):
            fill = STUBS[top]
        for pattern, targets in ALIASES:
            if pattern.match(name):
                fill = _alias(name, targets)
        if WRAPPERS.match(name):
            fill = _sklearn_wrappers
        return importlib.machinery.ModuleSpec(name, _Loader(fill), is_package=True) if fill else None


def _alias(name, targets):
    def fill(module):
        module._targets = targets
        if targets[0] not in _ALIASED:  # one note per current module (keras.engine, keras.engine.sequential)
            _ALIASED.add(targets[0])
            note("old_module", module=name, now=targets[0])

    return fill


class _AfterLoader(importlib.abc.Loader):
    """The real loader, then `after(module)`; anything else is the real loader's."""

    def __init__(self, loader, after):
        self._loader, self._after = loader, after

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._after(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class AfterImport(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: patches a few real modules right after they are imported."""

    def __init__(self, hooks, prefixes=()):
        self.hooks = hooks
        self.prefixes = tuple(prefixes)  # (module name prefix, hook) for every module under a package

    def find_spec(self, name, path=None, target=None):
        hook = self.hooks.get(name) or next((h for prefix, h in self.prefixes if name.startswith(prefix)), None)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _AfterLoader(spec.loader, hook)
                return spec
        return None


def install():
    """The import hooks, and the patches of pandas and matplotlib when already imported (once per process)."""
    sys.meta_path.append(MissingFinder())
    sys.meta_path.insert(0, AfterImport({"pandas": patch_pandas, "matplotlib.style": patch_styles,
                                         "requests": patch_requests, "sklearn.preprocessing._encoders": patch_one_hot},
                                        [("sklearn.", cap_sklearn), ("keras.", patch_keras_api),
                                         ("tensorflow.keras.", patch_keras_api)]))
    for name in [n for n in sys.modules if n.startswith("sklearn.")]:
        cap_sklearn(sys.modules[name])
    if "sklearn.preprocessing._encoders" in sys.modules:
        patch_one_hot(sys.modules["sklearn.preprocessing._encoders"])
    if "requests" in sys.modules:
        patch_requests(sys.modules["requests"])
    if "pandas" in sys.modules:
        patch_pandas(sys.modules["pandas"])
    if "matplotlib.style" in sys.modules and hasattr(sys.modules["matplotlib.style"], "use"):
        patch_styles(sys.modules["matplotlib.style"])
