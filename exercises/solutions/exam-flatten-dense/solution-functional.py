import keras
from keras import layers

entrada = keras.Input(shape=(*image_size, 3), name="imagen_rgb")
x = layers.Flatten()(entrada)
x = layers.Dense(2048, activation="relu")(x)
x = layers.Dense(1024, activation="relu")(x)
x = layers.Dropout(rate=0.2)(x)
salida = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=entrada, outputs=salida)
