# %% [markdown]
# Daniel - laboratorio de redes densas. Todo va en funciones para poder repetir con otras neuronas.

# %%
import numpy as np
import tensorflow as tf
from tensorflow import keras
import matplotlib.pyplot as plt

tf.random.set_seed(7)

# %%
def cargar_datos():
    """Devuelve las imagenes normalizadas y sus etiquetas."""
    (xa, ya), (xb, yb) = keras.datasets.fashion_mnist.load_data()
    return (xa.astype('float32') / 255.0, ya), (xb.astype('float32') / 255.0, yb)


def construir_red(neuronas=200):
    red = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(neuronas, activation='relu'),
        keras.layers.Dense(10, activation='softmax'),
    ])
    red.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return red


def dibujar_historia(historia, metrica='loss'):
    plt.plot(historia.history[metrica], 'o-', label='train ' + metrica)
    plt.plot(historia.history['val_' + metrica], 's--', label='val ' + metrica)
    plt.legend()
    plt.show()

# %%
(entrada, salida), (entrada_test, salida_test) = cargar_datos()
model = construir_red(200)
parada = keras.callbacks.EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True)
historia = model.fit(entrada, salida, validation_split=0.2, epochs=30, callbacks=[parada])

# %%
dibujar_historia(historia)
dibujar_historia(historia, 'accuracy')

# %%
perdida, exactitud = model.evaluate(entrada_test, salida_test, verbose=0)
print('perdida=%.4f exactitud=%.4f' % (perdida, exactitud))
