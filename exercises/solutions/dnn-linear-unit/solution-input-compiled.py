import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(3,)),
    layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=keras.losses.MeanSquaredError())
