# Tarea early stopping - Cecilia R.
# corrido en mi laptop (Anaconda, Spyder)
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint

# el csv lo baje de UCI, viene separado con punto y coma
df = pd.read_csv(r"C:\Users\Cecilia\Downloads\wine+quality\winequality-red.csv", sep=";")
print(df.shape)
print(df.describe())

X = df.drop("quality", axis=1).values
y = df["quality"].values.reshape(-1, 1)

X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.3, random_state=0)

scaler_x = MinMaxScaler()
X_train = scaler_x.fit_transform(X_train)
X_valid = scaler_x.transform(X_valid)
scaler_y = MinMaxScaler()
y_train = scaler_y.fit_transform(y_train)
y_valid = scaler_y.transform(y_valid)

early_stopping = EarlyStopping(min_delta=0.001, patience=20)
checkpoint = ModelCheckpoint("best.hdf5", monitor="val_loss", save_best_only=True, verbose=1)

model = keras.Sequential()
model.add(layers.Dense(512, activation="relu", input_shape=(11,)))
model.add(layers.Dense(512, activation="relu"))
model.add(layers.Dense(512, activation="relu"))
model.add(layers.Dense(1))

model.compile(optimizer="adam", loss="mae")

history = model.fit(X_train, y_train,
                    validation_data=(X_valid, y_valid),
                    batch_size=256,
                    epochs=500,
                    callbacks=[early_stopping, checkpoint])

plt.plot(history.history["loss"], label="train")
plt.plot(history.history["val_loss"], label="valid")
plt.legend()
plt.show()
