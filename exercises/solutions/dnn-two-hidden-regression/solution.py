from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    # capas ocultas ReLU
    layers.Dense(units=4, activation='relu', input_shape=[2]),
    layers.Dense(units=3, activation='relu'),
    # capa de salida lineal
    layers.Dense(units=1),
])
