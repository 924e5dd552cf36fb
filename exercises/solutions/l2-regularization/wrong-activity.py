from tensorflow import keras
from tensorflow.keras import layers, regularizers

model = keras.Sequential([
    layers.Dense(16, activation='relu', input_shape=(30,), activity_regularizer=regularizers.l2(0.01)),
    layers.Dense(16, activation='relu', activity_regularizer=regularizers.l2(0.01)),
    layers.Dense(1, activation='sigmoid'),
])
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
