import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Dense(units=4, activation='relu', input_shape=[2]),
    layers.Dense(units=3, activation='relu'),
    layers.Dense(units=1),
])

# Lucas: compilo con objetos en vez de strings (como en la clase 9)
opt = tf.keras.optimizers.Adam(lr=0.001)
model.compile(
    optimizer=opt,
    loss=tf.keras.losses.MeanAbsoluteError(),
    metrics=['mse'],
)

history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid),
                    batch_size=32, epochs=100, verbose=0)
print('val mae:', history.history['val_loss'][-1])
