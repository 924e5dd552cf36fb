# The code the lab sheet shows (exam-and-lab-questions.md, Lab: Redes Neuronales Artificiales), as students
# paste it into their notebooks. Never run: read by the similarity check as shared material.
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
train_images.shape
len(test_labels)

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(5, 5)),
    keras.layers.Dense(3, activation='relu'),
    keras.layers.Dense(2, activation='softmax')
])

hist = model.fit(train_images, train_labels, validation_split=0.2, epochs=100)

class_names[np.argmax(predictions[10])]
