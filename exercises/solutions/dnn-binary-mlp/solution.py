from tensorflow import keras
from tensorflow.keras import layers

# perceptrón multicapa
model = keras.Sequential([
    layers.Dense(units=15, activation='relu', input_shape=[15]),
    layers.Dense(units=15, activation='relu'),
    layers.Dense(units=1, activation='sigmoid'),
])
