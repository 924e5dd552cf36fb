from tensorflow import keras

# Clasificador binario: 30 características estandarizadas -> probabilidad de tumor benigno
model = keras.Sequential([
    keras.layers.Dense(32, activation='relu', input_shape=(30,)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(1, activation='sigmoid'),
])

model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])

history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid), epochs=20, batch_size=32)
