# %%
import numpy as np
from tensorflow import keras
from sklearn.metrics import classification_report

# %%
datos = keras.datasets.fashion_mnist.load_data()
(Xtr, ytr), (Xte, yte) = datos
# normalizacion: pasamos a float32 y dividimos por el maximo
Xtr = Xtr.astype(np.float32) / 255
Xte = Xte.astype(np.float32) / 255
print('train:', Xtr.shape, 'test:', Xte.shape)

# %%
modelo = keras.models.Sequential([keras.layers.Flatten(input_shape=(28, 28)), keras.layers.Dense(512, activation='relu'), keras.layers.Dense(10, activation='softmax')])
modelo.compile(loss='sparse_categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
h = modelo.fit(Xtr, ytr, epochs=8, batch_size=128, validation_split=0.2)

# %%
# informe por clase con sklearn
y_pred = np.argmax(modelo.predict(Xte), axis=-1)
print(classification_report(yte, y_pred, digits=3))
model = modelo
