# %%
from tensorflow import keras
from tensorflow.keras.layers import Dense, Flatten

# %%
# Red del enunciado con las dos capas nuevas
model = keras.Sequential([
    Flatten(input_shape=(5, 5)),
    Dense(16, activation='relu'),  # nueva
    Dense(16, activation='relu'),  # nueva
    Dense(3, activation='relu'),
    Dense(2, activation='softmax')
])
