import keras

model = keras.Sequential([
    keras.Input(shape=(15,)),
    keras.layers.Dense(15, activation="relu"),
    keras.layers.Dense(15, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
    loss=keras.losses.BinaryCrossentropy(),
    metrics=["accuracy"],
)
history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid), epochs=10)
