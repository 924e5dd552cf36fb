# Perceptron multicapa - Fabian
# (codigo adaptado del tutorial de machinelearningmastery que use el semestre pasado)
import numpy
from keras.models import Sequential
from keras.layers.core import Dense

# fix random seed for reproducibility
seed = 7
numpy.random.seed(seed)

# create model
model = Sequential()
model.add(Dense(15, input_dim=15, init='uniform', activation='relu'))
model.add(Dense(15, init='uniform', activation='relu'))
model.add(Dense(1, init='uniform', activation='sigmoid'))

# Compile model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])

# Fit the model
model.fit(X_train, y_train, nb_epoch=150, batch_size=10, verbose=2)

# evaluate the model
scores = model.evaluate(X_valid, y_valid)
print("%s: %.2f%%" % (model.metrics_names[1], scores[1]*100))

predicciones = model.predict_classes(X_valid)
print(predicciones[:10])
