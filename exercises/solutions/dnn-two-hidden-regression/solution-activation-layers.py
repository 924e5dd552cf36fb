import keras

model = keras.Sequential()
model.add(keras.Input(shape=(2,)))
model.add(keras.layers.Dense(4))
model.add(keras.layers.Activation("relu"))
model.add(keras.layers.Dense(3))
model.add(keras.layers.Activation(keras.activations.relu))
model.add(keras.layers.Dense(1, activation=None))
model.compile(optimizer="adam", loss="mae")
