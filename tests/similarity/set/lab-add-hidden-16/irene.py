# %%
from tensorflow import keras

# %%
model = keras.Sequential([
    keras.layers.Flatten(input_shape=(5, 5)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(3, activation='relu'),
    keras.layers.Dense(2, activation='softmax')
])
model.summary()
