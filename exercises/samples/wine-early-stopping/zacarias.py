from tensorflow import keras
from tensorflow.keras import layers, callbacks

early_stopping = callbacks.EarlyStopping(min_delta=0.001, patience=20, restore_best_weights=True)

model = keras.Sequential([
    layers.Dense(512, activation='relu', input_shape=[11]),
    layers.Dense(512, activation='relu'),
    layers.Dense(512, activation='relu'),
    layers.Dense(1),
])
model.compile(optimizer='sgd', loss='mae')

history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid),
                    batch_size=256, epochs=500, callbacks=[early_stopping], verbose=0)
