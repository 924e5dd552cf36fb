from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Flatten, Dense, Dropout

image_size = (150, 150)

model = Sequential([
    Flatten(input_shape=image_size + (3,)),
    Dense(2048, activation='relu'),
    Dense(1024, activation='relu'),
    Dropout(0.2),
    Dense(1, activation='sigmoid')
])
