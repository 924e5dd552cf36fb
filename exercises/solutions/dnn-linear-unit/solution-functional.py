import keras

entrada = keras.Input(shape=(3,))
salida = keras.layers.Dense(1, activation="linear")(entrada)
model = keras.Model(inputs=entrada, outputs=salida)

model.compile(optimizer="adam", loss="mae")
model.summary()
