for m in (model_binary, model_onehot):
    m.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['accuracy'])
model_multiclass.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model_regression.compile(optimizer='sgd', loss='mse')
