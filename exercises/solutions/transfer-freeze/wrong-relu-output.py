feature_extractor_layer.trainable = False
model = Sequential([
    feature_extractor_layer,
    Dense(1024, activation='relu'),
    Dense(1, activation='relu')
])
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
