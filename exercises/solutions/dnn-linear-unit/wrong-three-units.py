import tensorflow as tf

# una neurona por cada entrada
model = tf.keras.Sequential([
    tf.keras.layers.Dense(3, input_shape=(3,))
])
