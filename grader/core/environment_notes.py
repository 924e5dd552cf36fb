"""Feedback notes for what the sandbox's course environment adapted (grader/engine/sandbox/courseenv.py).

The sandbox reports `payload["env_notes"]`: a list of `{"code": ..., "args": {...}}`. It is hostile, so
only known codes are rendered, each from its own fixed bilingual text, and argument values are used only
when they are short and plain (a file, module or style name; a small number); anything else drops the
note. `apply_environment` also enforces `exact_names`: a model the sandbox graded under the expected name
(the student named it otherwise) is then reported as missing instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from grader.core.i18n import Text, format_number, t
from grader.core.specs.models import ExerciseSpec
from grader.core.unimported import unimported_note

MAX_NOTES = 20
_FIRST = ("X_train", "y_train", "X_valid", "y_valid")


def _mapping(value: object) -> dict[str, Any]:
    """`value` itself when it is a mapping of the report or config, else an empty one."""
    return value if isinstance(value, dict) else {}


def _ORDER(name: str) -> tuple[int, str]:
    """X_train, y_train, X_valid, y_valid first, then the data set's other names."""
    return (_FIRST.index(name) if name in _FIRST else len(_FIRST), name)


_PLAIN = re.compile(r"[\w .,:/\\{}()+\-]{1,80}\Z")
_DATASETS = {
    "mnist": ("MNIST", "imágenes de dígitos", "digit images"),
    "fashion_mnist": ("Fashion-MNIST", "imágenes sintéticas", "synthetic images"),
    "cifar10": ("CIFAR-10", "imágenes sintéticas en color", "synthetic colour images"),
    "cifar100": ("CIFAR-100", "imágenes sintéticas en color", "synthetic colour images"),
    "boston_housing": ("Boston Housing", "casas sintéticas", "synthetic houses"),
    "imdb": ("IMDB", "reseñas sintéticas", "synthetic reviews"),
    "reuters": ("Reuters", "noticias sintéticas", "synthetic newswires"),
}


def _n(value: int, lang: str) -> str:
    return format_number(value, "es" if lang == "es" else "en")


def _dataset(a: dict[str, Any]) -> Text:
    title, es, en = _DATASETS[a["name"]]
    return t(f"Los datos de {title} se sustituyeron por {_n(a['train'], 'es')} {es} de entrenamiento y "
             f"{_n(a['test'], 'es')} de prueba, generados con las mismas formas, tipos, rangos y clases (aquí no "
             "hay conexión para descargarlos); la nota no depende de ellos.",
             f"The {title} data was replaced by {_n(a['train'], 'en')} training and {_n(a['test'], 'en')} test "
             f"{en} generated with the same shapes, types, ranges and classes (there is no connection here to "
             "download it); the score does not depend on them.")


_RENDER: dict[str, Callable[[dict[str, Any]], Text]] = {
    "dataset": _dataset,
    "course_file": lambda a: t(
        f"Se leyó `{a['file']}` de la copia del curso: la ruta de tu cuaderno (Kaggle, Colab o tu ordenador) no "
        "existe aquí.", f"`{a['file']}` was read from the course's copy: your notebook's path (Kaggle, Colab or "
        "your computer) does not exist here."),
    "course_table": lambda a: t(
        f"`{a['file']}` no está aquí: se leyó una copia con sus mismas columnas, tipos, categorías y codificación "
        f"de etiquetas ({_n(a['rows'], 'es')} filas; el original tiene {_n(a['real'], 'es')}), generada para el "
        "corrector: tu código corre igual, pero sus números no son los del conjunto real.",
        f"`{a['file']}` is not here: a copy with its same columns, types, categories and label encoding was read "
        f"({_n(a['rows'], 'en')} rows; the original has {_n(a['real'], 'en')}), made for the grader: your code runs "
        "the same, but its numbers are not the real data set's."),
    "hub_layer": lambda a: t(
        f"`hub.KerasLayer('{a['handle']}')`: aquí no hay TF Hub ni conexión, así que hace su papel un extractor "
        f"pequeño con la misma salida ({a['size']} características); se califica tu código alrededor de él.",
        f"`hub.KerasLayer('{a['handle']}')`: there is no TF Hub nor connection here, so a small extractor with the "
        f"same output ({a['size']} features) stands in for it; your code around it is graded."),
    "tfds": lambda a: t(
        f"`tfds.load('{a['name']}')`: aquí no hay conexión; se usaron {_n(a['rows'], 'es')} imágenes sintéticas con "
        "las mismas formas, tipos y clases; la nota no depende de ellas.", f"`tfds.load('{a['name']}')`: there is "
        f"no connection here; {_n(a['rows'], 'en')} synthetic images with the same shapes, types and classes were "
        "used; the score does not depend on them."),
    "numpy1": lambda a: t(
        f"`np.{a['name']}` ya no existe en NumPy 2: se usó lo que significaba en NumPy 1.",
        f"`np.{a['name']}` no longer exists in NumPy 2: what it meant in NumPy 1 was used."),
    "own_file": lambda a: t(
        f"Se leyó `{a['file']}` de la carpeta de tu entrega: la ruta de tu cuaderno (Kaggle, Colab o tu ordenador) "
        "no existe aquí.", f"`{a['file']}` was read from your submission's folder: your notebook's path (Kaggle, "
        "Colab or your computer) does not exist here."),
    "colab_drive": lambda a: t(
        "google.colab.drive.mount no hace nada aquí: los datos del curso ya están disponibles.",
        "google.colab.drive.mount does nothing here: the course's data is already available."),
    "colab_files": lambda a: t(
        "google.colab.files.upload/download no hacen nada aquí (upload devuelve un diccionario vacío).",
        "google.colab.files.upload/download do nothing here (upload returns an empty dictionary)."),
    "ipython": lambda a: t("IPython.display (display, HTML, Markdown...) no muestra nada aquí.",
                           "IPython.display (display, HTML, Markdown...) shows nothing here."),
    "tqdm": lambda a: t("tqdm no está instalado aquí: las barras de progreso no se muestran.",
                        "tqdm is not installed here: progress bars are not shown."),
    "learntools": lambda a: t(
        "Las comprobaciones de Kaggle (learntools: q_1.check(), hint(), solution()) no hacen nada aquí: la nota "
        "la pone este corrector.", "Kaggle's checks (learntools: q_1.check(), hint(), solution()) do nothing "
        "here: this grader gives the score."),
    "old_module": lambda a: t(f"`{a['module']}` es una ruta antigua: se usó `{a['now']}`.",
                              f"`{a['module']}` is an old module path: `{a['now']}` was used."),
    "style": lambda a: t(f"El estilo de matplotlib '{a['old']}' ahora se llama '{a['new']}': se usó ese.",
                         f"The matplotlib style '{a['old']}' is now called '{a['new']}': that one was used."),
    "checkpoint_path": lambda a: t(
        f"ModelCheckpoint('{a['old']}'): Keras 3 guarda modelos en '.keras' y pesos en '.weights.h5'; se usó "
        f"'{a['new']}'.", f"ModelCheckpoint('{a['old']}'): Keras 3 saves models as '.keras' and weights as "
        f"'.weights.h5'; '{a['new']}' was used."),
    "nb_epoch": lambda a: t("`nb_epoch` es el nombre antiguo de `epochs`: se usó como `epochs`.",
                            "`nb_epoch` is the old name of `epochs`: it was used as `epochs`."),
    "optimizer_lr": lambda a: t("`lr` es el nombre antiguo de `learning_rate`: se usó como `learning_rate`.",
                                "`lr` is the old name of `learning_rate`: it was used as `learning_rate`."),
    "fit_generator": lambda a: t("`fit_generator` ya no existe en Keras 3: se llamó a `fit`, que acepta generadores.",
                                 "`fit_generator` no longer exists in Keras 3: `fit`, which takes generators, "
                                 "was called."),
    "predict_classes": lambda a: t(
        "`predict_classes` ya no existe en Keras 3: usa `np.argmax(model.predict(x), axis=1)`.",
        "`predict_classes` no longer exists in Keras 3: use `np.argmax(model.predict(x), axis=1)`."),
    "predict_proba": lambda a: t("`predict_proba` ya no existe en Keras 3: `model.predict(x)` ya da las "
                                 "probabilidades.", "`predict_proba` no longer exists in Keras 3: "
                                 "`model.predict(x)` already gives the probabilities."),
    "rows_capped": lambda a: t(
        f"`model.{a['method']}` se ejecutó solo con las primeras {a['rows']} filas para calificar rápido (como "
        "`fit`): sus resultados aquí no son los de tu cuaderno.", f"`model.{a['method']}` ran on the first "
        f"{a['rows']} rows only to grade quickly (like `fit`): its results here are not your notebook's."),
    "renamed": lambda a: t(
        f"Se calificó `{a['found']}` como `{a['expected']}`: es el único modelo de Keras de tu código, pero el "
        f"enunciado lo llama `{a['expected']}`.", f"`{a['found']}` was graded as `{a['expected']}`: it is the "
        f"only Keras model in your code, but the statement calls it `{a['expected']}`."),
    "fitted_model": lambda a: t(
        f"Se calificó como `{a['expected']}` el modelo que tu función `{a['function']}` creó y entrenó con fit: al "
        "terminar tu código no quedaba en ninguna variable (devuélvelo o guárdalo en una variable global).",
        f"The model your function `{a['function']}` built and fit was graded as `{a['expected']}`: when your code "
        "ended it was in no variable (return it or keep it in a global variable)."),
    "pretrained_weights": lambda a: t(
        f"`{a['model']}(weights='imagenet')`: aquí no hay conexión para descargar los pesos preentrenados; el modelo "
        "se construyó como lo escribiste, con pesos aleatorios, y se califica tu código alrededor de él.",
        f"`{a['model']}(weights='imagenet')`: there is no connection here to download the pretrained weights; the "
        "model was built as you wrote it, with random weights, and your code around it is graded."),
    "sklearn_sparse": lambda a: t(
        "`OneHotEncoder(sparse=...)` es el nombre antiguo de `sparse_output=` en scikit-learn: se usó como "
        "`sparse_output=`.", "`OneHotEncoder(sparse=...)` is scikit-learn's old name of `sparse_output=`: it was "
        "used as `sparse_output=`."),
    "sklearn_rows": lambda a: t(
        f"Los modelos de scikit-learn se entrenaron solo con las primeras {a['rows']} filas para calificar rápido "
        "(como `fit` de Keras): sus resultados aquí no son los de tu cuaderno.", f"scikit-learn models were "
        f"trained on the first {a['rows']} rows only to grade quickly (like Keras' `fit`): their results here are "
        "not your notebook's."),
    "exercise_input": lambda a: t(
        f"`{a['name']}` venía de una celda de datos que falló (un archivo que aquí no está): tu modelo se construyó "
        f"con la forma de los datos del ejercicio, {a['shape']}, para calificar tu trabajo de Keras.",
        f"`{a['name']}` came from a data cell that failed (a file that is not here): your model was built with the "
        f"shape of the exercise's data, {a['shape']}, to grade your Keras work."),
    "exercise_data": lambda a: t(
        f"`{a['name']}` venía de una celda de datos que falló (un archivo que aquí no está): la celda de tu modelo "
        f"se ejecutó con los datos del ejercicio (`X_train`, forma {a['shape']}) en su lugar, para calificar tu "
        "trabajo de Keras.", f"`{a['name']}` came from a data cell that failed (a file that is not here): your model's "
        f"cell ran with the exercise's data (`X_train`, shape {a['shape']}) in its place, to grade your Keras work."),
    "get_ipython": lambda a: t(
        "Las líneas `get_ipython().system(...)` y `get_ipython().run_line_magic(...)` de un cuaderno exportado con "
        "nbconvert (los `!` y `%` del cuaderno) no hacen nada aquí.", "The `get_ipython().system(...)` and "
        "`get_ipython().run_line_magic(...)` lines of a notebook exported with nbconvert (the notebook's `!` and "
        "`%` lines) do nothing here."),
    "keras1_keyword": lambda a: t(
        f"`{a['old']}=` es el nombre de Keras 1 de `{a['new']}=`: se usó como `{a['new']}=`.",
        f"`{a['old']}=` is Keras 1's name of `{a['new']}=`: it was used as `{a['new']}=`."),
    "optimizer_decay": lambda a: t(
        "`decay=` ya no existe en los optimizadores de Keras 3, que lo ignoran: la tasa de aprendizaje queda fija "
        "(para reducirla usa `keras.optimizers.schedules.InverseTimeDecay`). La nota no depende de ello.",
        "`decay=` no longer exists in Keras 3's optimizers, which ignore it: the learning rate stays constant (to "
        "decrease it use `keras.optimizers.schedules.InverseTimeDecay`). The score does not depend on it."),
    "tensorboard": lambda a: t(
        "El callback TensorBoard no registra nada aquí (TensorBoard no está instalado): se calificó como tu "
        "callback y el entrenamiento siguió.", "The TensorBoard callback records nothing here (TensorBoard is not "
        "installed): it was graded as your callback and training went on."),
    "image_csv": lambda a: t(
        f"`{a['file']}` (el CSV de Kaggle, `label,pixel1..pixel784`) se sustituyó por {_n(a['rows'], 'es')} "
        "imágenes sintéticas de las mismas formas y clases que da aquí `keras.datasets.fashion_mnist`; la nota no "
        "depende de ellas.", f"`{a['file']}` (Kaggle's CSV, `label,pixel1..pixel784`) was replaced by "
        f"{_n(a['rows'], 'en')} synthetic images of the same shapes and classes that `keras.datasets.fashion_mnist` "
        "gives here; the score does not depend on them."),
    "no_network": lambda a: t("", ""),  # rendered by _no_network, which knows what the exercise provides
    "missing_file": lambda a: t("", ""),  # rendered by _missing_file, which knows what the exercise provides
    "unimported": lambda a: unimported_note(a["names"]),  # ValueError for a name outside the usual imports
    "sklearn_wrapper": lambda a: t(
        "`KerasClassifier`/`KerasRegressor` ya no están en Keras 3 (hoy son de scikeras): se usó una versión que "
        "construye tu modelo con tu función y lo entrena.", "`KerasClassifier`/`KerasRegressor` are no longer in "
        "Keras 3 (scikeras has them today): a version that builds your model with your function and trains it "
        "was used."),
    "built_model": lambda a: t(
        f"Se calificó como `{a['expected']}` el modelo que devuelve tu función `{a['function']}()`: tu código la "
        "define pero no guardó su modelo en ninguna variable.", f"The model your function `{a['function']}()` "
        f"returns was graded as `{a['expected']}`: your code defines it but kept its model in no variable."),
    "typo_name": lambda a: t(
        f"`{a['wrote']}` no existe en Keras: se leyó como `{a['meant']}`. Corrígelo: tal como está escrito, tu "
        "código se detiene en esa línea.", f"`{a['wrote']}` does not exist in Keras: it was read as "
        f"`{a['meant']}`. Fix it: as written, your code stops at that line."),
    "typo_keyword": lambda a: t(
        f"`{a['wrote']}=` no es un argumento de Keras: se leyó como `{a['meant']}=`. Corrígelo: tal como está "
        "escrito, tu código se detiene en esa línea.", f"`{a['wrote']}=` is not a Keras argument: it was read "
        f"as `{a['meant']}=`. Fix it: as written, your code stops at that line."),
    "starter_object": lambda a: t(
        f"`{a['name']}` seguía siendo el objeto del código inicial cuando tu código se detuvo: no se calificó.",
        f"`{a['name']}` still held the starter code's object when your code stopped: it was not graded."),
}
_KERAS1 = {"init": "kernel_initializer", "output_dim": "units", "W_regularizer": "kernel_regularizer",
           "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint",
           "nb_filter": "filters", "border_mode": "padding", "subsample": "strides"}
_ARGS = {"dataset": {"name": set(_DATASETS)}, "rows_capped": {"method": {"evaluate", "predict"}},
         "keras1_keyword": {"old": set(_KERAS1), "new": set(_KERAS1.values())}}


def _valid(code: str, args: dict[str, Any]) -> bool:
    for key, value in args.items():
        allowed = _ARGS.get(code, {}).get(key)
        if allowed is not None and value not in allowed:
            return False
        if type(value) is int:
            if not 0 <= value <= 10_000_000:
                return False
        elif type(value) is not str or not _PLAIN.match(value):
            return False
    return True


def _missing_file(file: str, provided: list[str]) -> Text:
    es = (f"El corrector ejecuta tu código aislado y no ve tus propios archivos (ni tu Google Drive, ni los datos "
          f"de Kaggle, ni tu ordenador): '{file}' no está aquí. ")
    en = (f"The grader runs your code in isolation and cannot see your own files (nor your Google Drive, Kaggle's "
          f"data or your computer): '{file}' is not here. ")
    if provided:
        names = ", ".join(f"`{name}`" for name in provided)
        return t(es + f"Este ejercicio ya te da los datos en {names}: úsalos en lugar de leer el archivo.",
                 en + f"This exercise already provides the data in {names}: use them instead of reading the file.")
    return t(es + "Usa los datos que indica el enunciado (p. ej. los de keras.datasets).",
             en + "Use the data the statement names (e.g. keras.datasets').")


def _no_network(file: str, provided: list[str]) -> Text:
    es = f"Aquí no hay conexión a internet: no se pudo descargar '{file}'. "
    en = f"There is no internet connection here: '{file}' could not be downloaded. "
    if provided:
        names = ", ".join(f"`{name}`" for name in provided)
        return t(es + f"Este ejercicio ya te da los datos en {names}: úsalos en lugar de descargarlos.",
                 en + f"This exercise already provides the data in {names}: use them instead of downloading them.")
    return t(es + "Usa los datos que indica el enunciado (los de keras.datasets funcionan sin conexión).",
             en + "Use the data the statement names (keras.datasets' work offline).")


def render(raw: Any, provided: list[str] | None = None) -> list[Text]:
    """The notes of the known, well-formed entries of `raw` (the payload's env_notes), in order, once each;
    `provided`: the data variables the exercise gives (named when a file the student read is missing)."""
    notes: list[Text] = []
    for entry in raw[:MAX_NOTES] if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or entry.get("code") not in _RENDER or not isinstance(entry.get("args"), dict):
            continue
        code, args = entry["code"], entry["args"]
        if not _valid(code, args):
            continue
        try:
            if code in ("missing_file", "no_network"):
                text = (_missing_file if code == "missing_file" else _no_network)(args["file"], provided or [])
            else:
                text = _RENDER[code](args)
        except (KeyError, TypeError, ValueError):
            continue
        if text not in notes:
            notes.append(text)
    return notes


# Notes of a model graded under a name the statement did not give it (refused with `exact_names`).
_NAMED_OTHERWISE = ("renamed", "fitted_model", "built_model")


def apply_environment(spec: ExerciseSpec, payload: dict[str, Any], provided: Iterable[str] = ()) -> list[Text]:
    """The notes to add for this run; with `spec.exact_names`, a model graded under another name is
    reported as missing (in `payload`) and the note says why. `provided`: the names of the starter's arrays
    (what a missing file's note suggests instead)."""
    raw = payload.get("env_notes")
    provided = sorted(provided, key=_ORDER)
    if not spec.exact_names or not isinstance(raw, list):
        return render(raw, provided)
    kept, refused = [], []
    variables = _mapping(payload.get("variables"))
    for entry in raw:
        args = entry.get("args") if isinstance(entry, dict) else None
        if isinstance(entry, dict) and entry.get("code") in _NAMED_OTHERWISE and isinstance(args, dict):
            expected = args.get("expected")
            if isinstance(expected, str) and expected in variables:
                variables[expected] = {"kind": "missing"}
                for call in payload.get("fit_calls") or []:
                    if isinstance(call, dict) and call.get("model_variable") == expected:
                        call["model_variable"] = None
            if _valid("renamed", args) and isinstance(args.get("found"), str):
                refused.append(t(
                    f"No se encontró `{expected}`; hay un modelo llamado `{args['found']}`, pero este ejercicio "
                    f"exige el nombre exacto `{expected}`.", f"`{expected}` was not found; there is a model called "
                    f"`{args['found']}`, but this exercise requires the exact name `{expected}`."))
            continue
        kept.append(entry)
    return render(kept, provided) + refused
