import tensorflow as tf

model_binary.compile(optimizer="adam", loss=tf.keras.losses.binary_crossentropy)
model_multiclass.compile(optimizer="adam", loss="SparseCategoricalCrossentropy")
model_onehot.compile(optimizer="adam", loss=tf.keras.losses.categorical_crossentropy)
model_regression.compile(optimizer="adam", loss="mean_absolute_error")
