import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(8, 8)),
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax'),
])

model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

hist = model.fit(train_images, train_labels, validation_split=0.2, epochs=30)

test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print('Exactitud en las imágenes de prueba:', test_acc)
