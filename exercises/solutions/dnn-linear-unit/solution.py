from tensorflow import keras
from tensorflow.keras import layers

# Una sola unidad lineal que recibe 3 entradas
model = keras.Sequential([
    layers.Dense(units=1, input_shape=[3])
])
