import tensorflow as tf

model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
              loss=tf.keras.losses.mae,
              metrics=["mse"])
history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid), batch_size=32, epochs=5)
