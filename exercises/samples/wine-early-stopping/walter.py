import keras
from keras.callbacks import EarlyStopping

early_stopping = EarlyStopping(monitor="val_loss", patience=20, min_delta=1e-3,
                               restore_best_weights=True)

inputs = keras.Input(shape=(11,))
x = keras.layers.Dense(512, activation="relu")(inputs)
x = keras.layers.Dense(512, activation="relu")(x)
x = keras.layers.Dense(512, activation="relu")(x)
outputs = keras.layers.Dense(1, activation="linear")(x)
model = keras.Model(inputs, outputs, name="vino")

model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
              loss=keras.losses.MeanAbsoluteError())

history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid),
                    batch_size=256, epochs=500, callbacks=[early_stopping], verbose=0)
print("Mínima pérdida de validación:", min(history.history["val_loss"]))
