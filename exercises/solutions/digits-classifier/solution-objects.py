import keras
from keras import layers, losses, optimizers

model = keras.Sequential(
    [
        keras.Input(shape=(8, 8)),
        layers.Flatten(),
        layers.Dense(128),
        layers.ReLU(),
        layers.Dense(10, activation="softmax"),
    ],
    name="digitos",
)
model.compile(
    optimizer=optimizers.Adam(learning_rate=1e-3),
    loss=losses.SparseCategoricalCrossentropy(),
    metrics=["acc"],
)
history = model.fit(x=train_images, y=train_labels, epochs=15, batch_size=64, validation_split=0.2, verbose=0)
