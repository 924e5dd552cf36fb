# %% [markdown]
# ## Práctica: clasificación de prendas (Beatriz)
# Uso la API de capas con `add` y un lote de 64 ejemplos.

# %%
from tensorflow.keras import layers, models
from tensorflow.keras.datasets import fashion_mnist
from sklearn.metrics import confusion_matrix
import matplotlib.pyplot as plt
import seaborn as sns

# %%
(x_tr, y_tr), (x_te, y_te) = fashion_mnist.load_data()
x_tr, x_te = x_tr / 255.0, x_te / 255.0
etiquetas = ['camiseta', 'pantalón', 'jersey', 'vestido', 'abrigo',
             'sandalia', 'camisa', 'zapatilla', 'bolso', 'botín']

# %%
# Visualizo las 9 primeras prendas con su nombre
fig, ejes = plt.subplots(3, 3, figsize=(6, 6))
for i, eje in enumerate(ejes.flat):
    eje.imshow(x_tr[i], cmap='binary')
    eje.set_title(etiquetas[y_tr[i]])
    eje.axis('off')
plt.tight_layout()

# %%
red = models.Sequential()
red.add(layers.Flatten(input_shape=(28, 28)))
red.add(layers.Dense(256, activation='relu'))
red.add(layers.Dense(10, activation='softmax'))
red.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])

# %%
entreno = red.fit(x_tr, y_tr, epochs=15, batch_size=64, validation_split=0.2, verbose=2)

# %%
# Curvas de exactitud de entrenamiento frente a validación
plt.plot(entreno.history['accuracy'], label='entrenamiento')
plt.plot(entreno.history['val_accuracy'], label='validación')
plt.xlabel('época')
plt.legend()
plt.title('Exactitud por época de la red de 256 neuronas')

# %%
pred = red.predict(x_te).argmax(axis=1)
matriz = confusion_matrix(y_te, pred)
sns.heatmap(matriz, annot=True, fmt='d', xticklabels=etiquetas, yticklabels=etiquetas)
print(f"Aciertos en test: {(pred == y_te).mean():.3f}")
