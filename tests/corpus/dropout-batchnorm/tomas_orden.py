# Tomas - Dropout y BatchNormalization (leccion 5.5)
from keras.models import Sequential
from keras.layers import Dense, Dropout, BatchNormalization

model = Sequential()
model.add(Dense(128, activation='relu', input_shape=[11]))
model.add(BatchNormalization())
model.add(Dropout(0.3))
model.add(Dense(128, activation='relu'))
model.add(BatchNormalization())
model.add(Dropout(0.3))
model.add(Dense(1))

model.compile(optimizer='adam', loss='mae')
model.summary()

history = model.fit(X_train, y_train, validation_data=(X_valid, y_valid),
                    batch_size=256, epochs=100, verbose=0)
print(min(history.history['val_loss']))
