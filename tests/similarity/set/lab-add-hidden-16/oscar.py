# %%
from tensorflow import keras

# %%
capas = [keras.layers.Flatten(input_shape=(5, 5))]
for _ in range(2):
    capas.append(keras.layers.Dense(16, activation='relu'))
capas += [keras.layers.Dense(3, activation='relu'), keras.layers.Dense(2, activation='softmax')]
model = keras.Sequential(capas)
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(X_train, y_train, epochs=20, validation_data=(X_valid, y_valid), verbose=0)
print(model.evaluate(X_valid, y_valid))
