from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Flatten, Dense, Dropout

image_size = (150, 150)

model = Sequential()
model.add(Flatten(input_shape=(*image_size, 3)))
model.add(Dense(2048, activation='relu'))
model.add(Dense(1024, activation='relu'))
model.add(Dropout(0.2))
model.add(Dense(1, activation='sigmoid'))
