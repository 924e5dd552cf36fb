import keras
from keras import layers

entrada = keras.Input(shape=(11,), name="caracteristicas")
x = layers.Dense(128, activation="relu")(entrada)
x = layers.Dropout(rate=0.3)(x)
x = layers.BatchNormalization()(x)
x = layers.Dense(128, activation="relu")(x)
x = layers.Dropout(rate=0.3)(x)
x = layers.BatchNormalization()(x)
calidad = layers.Dense(1)(x)
model = keras.Model(inputs=entrada, outputs=calidad)

model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.MeanAbsoluteError())
