import keras

feature_extractor_layer.trainable = False

inputs = keras.Input(shape=(16, 16, 3))
features = feature_extractor_layer(inputs, training=False)
hidden = keras.layers.Dense(1024, activation="relu")(features)
outputs = keras.layers.Dense(1, activation="sigmoid")(hidden)
model = keras.Model(inputs, outputs)

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
    loss=keras.losses.BinaryCrossentropy(),
    metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
)
