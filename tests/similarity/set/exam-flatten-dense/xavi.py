from tensorflow.keras.models import Sequential, Model
from tensorflow.keras.layers import Flatten, Dense, Dropout, Input

image_size = (150, 150)

entrada = Input(shape=image_size + (3,))
x = Flatten(name='aplanado_rgb')(entrada)
x = Dense(2048, activation='relu', name='oculta_grande')(x)
x = Dense(1024, activation='relu', name='oculta_media')(x)
x = Dropout(0.2)(x)
salida = Dense(1, activation='sigmoid', name='gato_o_perro')(x)
model = Model(entrada, salida)
