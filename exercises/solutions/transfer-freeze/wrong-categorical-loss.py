from tensorflow import keras

feature_extractor_layer.trainable = False
model = keras.Sequential([
    feature_extractor_layer,
    keras.layers.Dense(1024, activation='relu'),
    keras.layers.Dense(1, activation='sigmoid'),
])
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid), epochs=5)
