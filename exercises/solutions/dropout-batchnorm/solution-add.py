import tensorflow as tf

model = tf.keras.models.Sequential()
model.add(tf.keras.Input(shape=(11,)))
model.add(tf.keras.layers.Dense(128))
model.add(tf.keras.layers.Activation("relu"))
model.add(tf.keras.layers.Dropout(rate=0.3))
model.add(tf.keras.layers.BatchNormalization())
model.add(tf.keras.layers.Dense(128, activation=tf.nn.relu))
model.add(tf.keras.layers.Dropout(rate=0.3))
model.add(tf.keras.layers.BatchNormalization())
model.add(tf.keras.layers.Dense(1))
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3), loss="mean_absolute_error")

history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid), batch_size=256, epochs=100, verbose=0)
