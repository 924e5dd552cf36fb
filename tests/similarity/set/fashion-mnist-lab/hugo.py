# %% [markdown]
# # Lab redes neuronales - Hugo

# %%
from tensorflow import keras
import matplotlib.pyplot as plt

# %%
# cargamos los datos de fashion
(train_images, train_labels), (test_images, test_labels) = keras.datasets.fashion_mnist.load_data()
# normalisamos las imagenes entre 0 y 1
train_images = train_images / 255.0
test_images = test_images / 255.0

# %%
plt.figure()
plt.imshow(train_images[0])
plt.colorbar()
plt.show()

# %%
model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(128, activation='relu'),
    keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

# %%
# entrenamos el modleo con un 20% para validar
history = model.fit(train_images, train_labels, validation_split=0.2, epochs=10)

# %%
test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print('\nTest accuracy:', test_acc)
