# %% [markdown]
# # Fashion-MNIST en Colab
# **Objetivo:** clasificar diez tipos de prenda con una red de una sola capa oculta.
#
# Primero conecto el Drive por si quiero guardar el modelo al final.

# %%
from google.colab import drive
drive.mount('/content/drive')

# %%
import tensorflow as tf
from tensorflow import keras
import matplotlib.pyplot as plt

# %% [markdown]
# ## Los datos
# Cada imagen es de 28x28 en escala de grises; las etiquetas van del 0 al 9.

# %%
(imgs, labels), (imgs_test, labels_test) = keras.datasets.fashion_mnist.load_data()
nombres = ['Camiseta', 'Pantalón', 'Suéter', 'Vestido', 'Abrigo', 'Sandalia', 'Camisa', 'Zapatilla', 'Bolsa', 'Bota']
plt.figure(figsize=(10, 4))
for k in range(10):
    plt.subplot(2, 5, k + 1)
    plt.imshow(imgs[k], cmap=plt.cm.gray)
    plt.xlabel(nombres[labels[k]])
plt.show()

# %%
imgs = imgs / 255.0
imgs_test = imgs_test / 255.0

# %% [markdown]
# ## El modelo
# Una capa oculta de 100 neuronas con ReLU y la salida softmax de 10.

# %%
model = keras.Sequential()
model.add(keras.layers.Flatten(input_shape=(28, 28)))
model.add(keras.layers.Dense(100, activation='relu'))
model.add(keras.layers.Dense(10, activation='softmax'))
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
resultado = model.fit(imgs, labels, validation_split=0.2, epochs=20)

# %%
model.save('/content/drive/MyDrive/modelo_fashion_eva.h5')
print("Modelo guardado en el Drive")
