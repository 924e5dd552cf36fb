import keras

inputs = keras.Input(shape=(30,))
x = keras.layers.Dense(24, activation="tanh")(inputs)
x = keras.layers.Dense(8)(x)
x = keras.layers.Activation("relu")(x)
outputs = keras.layers.Dense(1, activation=keras.activations.sigmoid)(x)
model = keras.Model(inputs, outputs, name="cancer_classifier")

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
    loss=keras.losses.BinaryCrossentropy(),
    metrics=[keras.metrics.BinaryAccuracy()],
)
