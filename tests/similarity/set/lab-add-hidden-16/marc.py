# %%
from tensorflow import keras

model = keras.Sequential()
model.add(keras.layers.Flatten(input_shape=(5, 5)))
model.add(keras.layers.Dense(16, activation='relu'))
model.add(keras.layers.Dense(16, activation='relu'))
model.add(keras.layers.Dense(3, activation='relu'))
model.add(keras.layers.Dense(2, activation='softmax'))

# %%
model.summary()
