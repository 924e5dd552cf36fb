from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Flatten, Dense, Dropout

image_size = (150, 150)
channels = 3

model = Sequential([
    Flatten(input_shape=(image_size[0], image_size[1], channels)),
    Dense(2048, activation='relu'),
    Dense(1024, activation='relu'),
    Dropout(0.2),
    Dense(1, activation='sigmoid'),
])
