import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(5, 5)),
        layers.Flatten(),
        layers.Dense(units=16, activation="relu"),
        layers.Dense(units=16, activation="relu"),
        layers.Dense(units=3, activation="relu"),
        layers.Dense(units=2, activation="softmax"),
    ]
)
