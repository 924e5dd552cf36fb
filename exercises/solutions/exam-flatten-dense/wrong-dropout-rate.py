from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Flatten, Dense, Dropout

model = Sequential([
    Flatten(input_shape=image_size + (3,)),
    Dense(2048, activation='relu'),
    Dense(1024, activation='relu'),
    Dropout(0.02),
    Dense(1, activation='sigmoid')
])
