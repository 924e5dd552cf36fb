import tensorflow as tf
from tensorflow.keras.regularizers import L2

entradas = tf.keras.Input(shape=(30,))
h = tf.keras.layers.Dense(16, activation=tf.nn.relu, kernel_regularizer=L2(l2=0.01))(entradas)
h = tf.keras.layers.Dense(16, activation=tf.nn.relu, kernel_regularizer=L2(0.01))(h)
salida = tf.keras.layers.Dense(1, activation="sigmoid")(h)
model = tf.keras.Model(entradas, salida)

model.compile(
    optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
    loss=tf.keras.losses.BinaryCrossentropy(),
    metrics=[tf.keras.metrics.BinaryAccuracy()],
)
