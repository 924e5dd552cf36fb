from tensorflow import keras

modelo_base = keras.Sequential([
    keras.layers.Flatten(input_shape=(5, 5)),
    keras.layers.Dense(3, activation='relu'),
    keras.layers.Dense(2, activation='softmax')
])
model = keras.Sequential([capa for capa in modelo.layers])
