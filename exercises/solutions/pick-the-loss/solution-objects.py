import keras

model_binary.compile(optimizer=keras.optimizers.SGD(), loss=keras.losses.BinaryCrossentropy())
model_multiclass.compile(optimizer="rmsprop", loss=keras.losses.SparseCategoricalCrossentropy(),
                         metrics=[keras.metrics.SparseCategoricalAccuracy()])
model_onehot.compile(optimizer="sgd", loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
model_regression.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.Huber())
