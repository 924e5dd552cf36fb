from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential()
model.add(layers.Flatten(input_shape=(5, 5)))
model.add(layers.Dense(16))
model.add(layers.Activation("relu"))
model.add(layers.Dense(16))
model.add(layers.Activation("relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(2, activation="softmax"))
