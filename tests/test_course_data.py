"""The data sets students read by file name, made from their schemas (grader/engine/data/tables.json).

Most tests read the tables on the trusted side, as the Kaggle "Intro to Deep Learning" exercises and classic
UCI scripts do (fast, no sandbox); one grades them inside the sandbox under the paths and URLs students write.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from grader.engine.grader import Grader
from grader.engine.sandbox import coursefiles
from tests.test_course_env import run_value


def read(path: str, **kwargs: object) -> pd.DataFrame:
    return pd.read_csv(coursefiles.reader(path), **kwargs)  # type: ignore[call-overload]


def one_hot_width(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> int:
    impute = make_pipeline(SimpleImputer(strategy="constant", fill_value="NA"), OneHotEncoder(handle_unknown="ignore"))
    numbers = make_pipeline(SimpleImputer(strategy="constant"), StandardScaler())
    transformer = make_column_transformer((numbers, numeric), (impute, categorical))
    return int(transformer.fit_transform(frame).shape[1])


def test_the_kaggle_exercises_find_their_columns_and_input_widths() -> None:
    # Lesson 3: fuel.csv, FE popped, numbers scaled and strings one-hot: 50 inputs.
    fuel = read("../input/dl-course-data/fuel.csv")
    X = fuel.copy()
    y = X.pop("FE")
    selector = make_column_transformer((StandardScaler(), make_column_selector(dtype_include=np.number)),
                                       (OneHotEncoder(sparse_output=False), make_column_selector(dtype_include=object)))
    assert selector.fit_transform(X).shape == (1107, 50) and (y > 0).all()
    # Lessons 4-5: spotify.csv, 12 numeric features + playlist_genre: 18 inputs; a few empty names to dropna.
    spotify = read("/kaggle/input/dl-course-data/spotify.csv")
    assert len(spotify.columns) == 23 and spotify["track_popularity"].between(0, 100).all()
    features = ["danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
                "instrumentalness", "liveness", "valence", "tempo", "duration_ms"]
    assert one_hot_width(spotify.dropna(), features, ["playlist_genre"]) == 18
    assert sorted(spotify["playlist_genre"].unique()) == ["edm", "latin", "pop", "r&b", "rap", "rock"]
    # Lesson 6: hotel.csv, is_canceled (0/1), 14 numeric + 8 categorical features: 63 inputs.
    hotel = read("C:\\Users\\ana\\Downloads\\hotel.csv")
    numeric = ["lead_time", "arrival_date_week_number", "arrival_date_day_of_month", "stays_in_weekend_nights",
               "stays_in_week_nights", "adults", "children", "babies", "is_repeated_guest", "previous_cancellations",
               "previous_bookings_not_canceled", "required_car_parking_spaces", "total_of_special_requests", "adr"]
    categorical = ["hotel", "arrival_date_month", "meal", "market_segment", "distribution_channel",
                   "reserved_room_type", "deposit_type", "customer_type"]
    train, _ = train_test_split(hotel, stratify=hotel["is_canceled"], train_size=0.75, random_state=0)
    assert one_hot_width(train, numeric, categorical) == 63
    assert set(hotel["is_canceled"]) == {0, 1} and hotel["children"].isna().any()
    # Lesson 6's tutorial: ion.csv with its index column, 'good'/'bad', V2 constant (dropped after scaling).
    ion = read("/content/drive/MyDrive/ion.csv", index_col=0)
    frame = ion.copy()
    frame["Class"] = frame["Class"].map({"good": 0, "bad": 1})
    scaled = ((frame - frame.min()) / (frame.max() - frame.min())).dropna(axis=1)
    assert ion.shape == (351, 35) and scaled.drop("Class", axis=1).shape == (351, 33)
    concrete = read("concrete.csv")
    assert list(concrete.columns)[-1] == "CompressiveStrength" and concrete.shape == (1030, 9)


def test_uci_files_have_their_own_layout_and_labels() -> None:
    uci = "https://archive.ics.uci.edu/ml/machine-learning-databases/ionosphere/ionosphere.data"
    ion = read(uci, header=None)
    assert ion.shape == (351, 35) and ion[34].value_counts().to_dict() == {"g": 225, "b": 126}
    pima = np.loadtxt(coursefiles.reader("https://raw.githubusercontent.com/jbrownlee/Datasets/master/"
                                         "pima-indians-diabetes.data.csv"), delimiter=",")
    assert pima.shape == (768, 9) and set(pima[:, 8]) == {0.0, 1.0}
    assert list(read("diabetes.csv").columns)[-1] == "Outcome"
    # Breast cancer: scikit-learn's real copy, as UCI (no header) and as Kaggle's CSV (a trailing comma).
    assert read("wdbc.data", header=None).shape == (569, 32)
    kaggle = read("breast-cancer.csv")
    assert kaggle.shape == (569, 33) and kaggle.columns[-1] == "Unnamed: 32"
    assert kaggle["diagnosis"].value_counts().to_dict() == {"B": 357, "M": 212}
    # A repository's copy with its own layout (a header row, 'good'/'bad') is told apart by its URL.
    selva = read("https://raw.githubusercontent.com/selva86/datasets/master/Ionosphere.csv")
    assert selva.shape == (351, 35) and set(selva["Class"]) == {"good", "bad"}
    assert read("entradas_breast.csv").shape == (569, 30) and set(read("saidas_breast.csv")["0"]) == {0, 1}


def test_tables_are_deterministic_and_a_right_model_learns_them() -> None:
    assert coursefiles.frame("fuel.csv").equals(coursefiles.frame("other/place/fuel.csv"))
    concrete = read("concrete.csv")
    X, y = concrete.drop(columns="CompressiveStrength"), concrete["CompressiveStrength"]
    assert LinearRegression().fit(X, y).score(X, y) > 0.6
    pima = read("diabetes.csv")
    X, y = pima.drop(columns="Outcome"), pima["Outcome"]
    assert LogisticRegression(max_iter=2000).fit(X, y).score(X, y) > 0.75  # majority class: 0.65


def test_every_file_of_the_schema_file_reads() -> None:
    for name in coursefiles.specs()["files"]:
        served, real = coursefiles.rows(name)
        header = None if coursefiles.layout(name).get("header") is False else "infer"
        assert len(read(name, header=header)) == served <= real, name


SANDBOX = """
import numpy as np, pandas as pd
import tensorflow as tf
from tensorflow import keras
fuel = pd.read_csv('../input/dl-course-data/fuel.csv')
uci = np.loadtxt('https://archive.ics.uci.edu/ml/machine-learning-databases/ionosphere/ionosphere.data',
                 delimiter=',', dtype=str)
with open('/content/drive/MyDrive/data/pima-indians-diabetes.csv') as fh:
    first = fh.readline().count(',')
path = keras.utils.get_file('spotify.csv', 'https://example.org/spotify.csv')
spotify = pd.read_csv(path)
(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
flat = x_train.reshape(60000, 784)
# A numeric reader gets no header row unless it skips one (students' own diabetes.csv copies have none).
pima = [np.loadtxt('data/diabetes.csv', delimiter=',').shape, np.genfromtxt('diabetes.csv', delimiter=',',
        skip_header=1).shape]
value = [[list(s) for s in pima], list(fuel.shape), fuel['FE'].dtype.name, list(uci.shape), first,
         list(spotify.shape), list(flat.shape), list(x_test.shape), bool((x_train[:6000] == x_train[6000:12000]).all())]
"""


@pytest.mark.slow
def test_the_sandbox_serves_them_by_every_path_and_keras_data_at_real_sizes(grader_nodb: Grader) -> None:
    value, notes, error = run_value(grader_nodb, SANDBOX)
    assert error is None, error
    assert value == [[[768, 9], [768, 9]], [1107, 14], "float64", [351, 35], 8, [5000, 23], [60000, 784],
                     [10000, 28, 28], True]
    tables = [n["args"] for n in notes if n["code"] == "course_table"]
    assert {"file": "spotify.csv", "rows": 5000, "real": 32833} in tables
    assert {"file": "fuel.csv", "rows": 1107, "real": 1107} in tables


def test_a_student_s_numbered_copy_of_a_data_set_is_that_data_set() -> None:
    assert coursefiles.layout("pima-indians-diabetes3.csv") == coursefiles.layout("pima-indians-diabetes.csv")
    assert coursefiles.layout("C:/Users/ana/Downloads/pima-indians-diabetes (1).csv") is not None
    assert coursefiles.layout("ionosphere_copy.csv") == coursefiles.layout("ionosphere.csv") is not None
    assert coursefiles.layout("pima-indians-diabetes.csv.bak") is None and coursefiles.layout("notes3.csv") is None
