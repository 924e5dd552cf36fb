# %%
from tensorflow import keras

# %%
# añadimos las dos capas ocultas de 16 entre el flatten y la de 3 neuronas (ejercicio 2 del lab)
model = keras.Sequential([
    keras.layers.Flatten(input_shape=(5, 5)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(3, activation='relu'),
    keras.layers.Dense(2, activation='softmax')
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
hist = model.fit(X_train, y_train, epochs=35, batch_size=8, validation_data=(X_valid, y_valid))
print("Resultado de la validacion final:", hist.history['val_accuracy'][-1])
