from tensorflow import keras

model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.MeanAbsoluteError())
