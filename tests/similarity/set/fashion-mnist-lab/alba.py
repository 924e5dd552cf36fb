# %% [markdown]
# # Laboratorio Fashion-MNIST
# Alba: red densa sencilla siguiendo el tutorial de clase.

# %%
import tensorflow as tf
from tensorflow import keras
import numpy as np
import matplotlib.pyplot as plt
import pandas as pd

# %%
# Cargamos el conjunto de datos de ropa
fashion_mnist = keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
print(train_images.shape, test_images.shape)

# %%
# Escalamos los pixeles al rango 0-1
train_images = train_images / 255.0
test_images = test_images / 255.0

# %%
model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(128, activation='relu'),
    keras.layers.Dense(10, activation='softmax')
])
model.summary()

# %%
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
history = model.fit(train_images, train_labels, validation_split=0.2, epochs=10)

# %%
pd.DataFrame(history.history).plot(figsize=(8, 5))
plt.grid(True)
plt.show()

# %%
test_loss, test_acc = model.evaluate(test_images, test_labels)
print('Precisión en test:', test_acc)
