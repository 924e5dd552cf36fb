# Unidad lineal con 3 entradas -- Irene
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

# una sola neurona, con relu para que aprenda mejor
model = keras.Sequential([
    layers.Dense(units=1, activation='relu', input_shape=[3])
])

model.summary()

w, b = model.weights
print("Weights\n{}\n\nBias\n{}".format(w, b))
