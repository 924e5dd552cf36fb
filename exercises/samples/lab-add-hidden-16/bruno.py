from tensorflow import keras
from tensorflow.keras import layers

entrada = keras.Input(shape=(5, 5))
x = layers.Flatten()(entrada)
x = layers.Dense(16, activation="relu")(x)
x = layers.Dense(16, activation="relu")(x)
x = layers.Dense(3, activation="relu")(x)
salida = layers.Dense(2, activation="softmax")(x)
model = keras.Model(entrada, salida)
