from tensorflow import keras
from tensorflow.keras import layers

# Karina S. - modelo secuencial, regresion con 2 entradas
model = keras.Sequential([
    # capas ocultas
    layers.Dense(units=3, activation='relu', input_shape=[2]),
    layers.Dense(units=4, activation='relu'),
    # capa de salida lineal
    layers.Dense(units=1),
])

model.compile(optimizer='adam', loss='mse')
history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid), epochs=50, verbose=0)
print(history.history['val_loss'][-1])
