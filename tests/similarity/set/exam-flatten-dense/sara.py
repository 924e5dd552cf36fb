from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Flatten, Dense, Dropout

image_size = (150, 150)
# la entrada es alto x ancho x 3 canales RGB, asi que la forma es (150, 150, 3) y no (150, 150)
forma_entrda = (image_size[0], image_size[1], 3)

model = Sequential([
    Flatten(input_shape=forma_entrda),
    Dense(2048, activation='relu'),
    Dense(1024, activation='relu'),
    Dropout(0.2),
    Dense(1, activation='sigmoid')
])
