import keras

mis_callbacks = [
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=5, min_lr=1e-5, verbose=1),
    keras.callbacks.ModelCheckpoint(filepath="mejor_modelo.keras", monitor="val_loss",
                                    save_best_only=True, mode="min"),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True),
]

historial = model.fit(X_train, y_train, batch_size=32, epochs=200,
                      validation_data=(X_valid, y_valid), callbacks=mis_callbacks)
