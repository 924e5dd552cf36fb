import numpy as np
from tensorflow import keras

# Rocio - laboratorio con los digitos 8x8
print(train_images.shape, train_labels[:10])

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(8, 8)),
    keras.layers.Dense(64, activation='relu'),
    keras.layers.Dense(10, activation='softmax')
])

model.compile(optimizer='adam',
              loss='categorical_crossentropy',
              metrics=['accuracy'])

hist = model.fit(train_images, train_labels, validation_split=0.2, epochs=50)

test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print('\nTest accuracy:', test_acc)
