from tensorflow import keras

model = keras.Sequential()
model.add(keras.layers.Flatten(input_shape=(150, 150, 3)))
model.add(keras.layers.Dense(2048, activation='relu'))
model.add(keras.layers.Dense(1024, activation='relu'))
model.add(keras.layers.Dense(1, activation='sigmoid'))
