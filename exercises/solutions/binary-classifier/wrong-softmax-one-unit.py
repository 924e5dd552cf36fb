from tensorflow import keras

model = keras.Sequential([
    keras.layers.Dense(32, activation='relu', input_shape=(30,)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(1, activation='softmax'),
])
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
