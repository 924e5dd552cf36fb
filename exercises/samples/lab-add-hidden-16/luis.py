import matplotlib.pyplot as plt
import pandas as pd
from tensorflow import keras

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(5, 5)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(3, activation='relu'),
    keras.layers.Dense(2, activation='softmax')
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
hist = model.fit(X_train, y_train, validation_split=0.2, epochs=100)
pd.DataFrame(hist.history)[['loss', 'val_loss']].plot()
plt.savefig('curvas.png')
print(model.evaluate(X_valid, y_valid))
