from tensorflow import keras

early_stopping = keras.callbacks.EarlyStopping(monitor='val_loss', patience=10)
checkpoint = keras.callbacks.ModelCheckpoint('mejor_modelo.keras', monitor='val_loss')
reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=5)

history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid), epochs=100,
                    callbacks=[early_stopping, checkpoint, reduce_lr], verbose=0)
