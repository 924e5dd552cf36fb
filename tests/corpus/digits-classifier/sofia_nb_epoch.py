# Laboratorio 2-4: clasificador de digitos
# Sofia N. - adaptado de un ejemplo de Keras 1.x que encontre en GitHub
import numpy as np
from keras.models import Sequential
from keras.layers import Flatten, Dense

model = Sequential()
model.add(Flatten(input_shape=(8, 8)))
model.add(Dense(100, activation='relu'))
model.add(Dense(10, activation='softmax'))

model.compile(loss='sparse_categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
model.summary()

hist = model.fit(train_images, train_labels, validation_split=0.2, nb_epoch=50, batch_size=32, verbose=1)

score = model.evaluate(test_images, test_labels, verbose=0)
print('Test loss:', score[0])
print('Test accuracy:', score[1])

clases = model.predict_classes(test_images)
print(np.mean(clases == test_labels))
