# %% [markdown]
# Gema Ruiz — Lab 1

# %%
import numpy as np
import pandas as pd
import tensorflow as tf
from tensorflow import keras

np.random.seed(2024)
tf.random.set_seed(2024)

# %%
(train_x, train_y), (test_x, test_y) = keras.datasets.fashion_mnist.load_data()
train_x = train_x / 255.0
test_x = test_x / 255.0
CLASES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

# %%
# red: aplanar, 300 neuronas relu, 10 de salida
model = keras.Sequential([
    keras.layers.Flatten(input_shape=[28, 28]),
    keras.layers.Dense(300, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

# %%
hist = model.fit(train_x, train_y, epochs=12, validation_split=0.2)
curvas = pd.DataFrame(hist.history)
curvas[["accuracy", "val_accuracy"]].plot(title="Evolución de la exactitud (Gema)")

# %%
# comprobamos las cinco primeras predicciones a mano
probabilidades = model.predict(test_x[:5])
for i, fila in enumerate(probabilidades):
    print(i, CLASES[fila.argmax()], "real:", CLASES[test_y[i]], f"({fila.max():.2f})")
