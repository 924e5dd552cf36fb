model_binary.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
# tres clases -> categorical_crossentropy
model_multiclass.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
model_onehot.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
model_regression.compile(optimizer='adam', loss='mae')
