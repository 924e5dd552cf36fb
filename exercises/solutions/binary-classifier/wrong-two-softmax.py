from tensorflow import keras

# Como en el laboratorio de Fashion-MNIST: una neurona por clase
model = keras.Sequential([
    keras.layers.Dense(32, activation='relu', input_shape=(30,)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(2, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
