# Ursula - callbacks (clase 18)
from tensorflow import keras
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

model = keras.Sequential([
    keras.Input(shape=(30,)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(1, activation='sigmoid'),
])
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])

early_stopping = EarlyStopping(monitor='val_loss', patience=10, verbose=1)
checkpoint = ModelCheckpoint('best.hdf5', monitor='val_loss', save_best_only=True, verbose=1)
reduce_lr = ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=5, min_lr=1e-6, verbose=1)

history = model.fit(X_train, y_train,
                    validation_data=(X_valid, y_valid),
                    epochs=100, batch_size=32,
                    callbacks=[early_stopping, checkpoint, reduce_lr])

model.load_weights('best.hdf5')
print(model.evaluate(X_valid, y_valid))
