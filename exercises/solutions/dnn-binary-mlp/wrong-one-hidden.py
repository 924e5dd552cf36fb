from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Dense(15, activation='relu', input_shape=[15]),
    layers.Dense(1, activation='sigmoid'),
])
