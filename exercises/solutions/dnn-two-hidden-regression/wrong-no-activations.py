from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Dense(4, input_shape=[2]),
    layers.Dense(3),
    layers.Dense(1),
])
