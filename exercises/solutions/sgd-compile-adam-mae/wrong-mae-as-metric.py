model.compile(optimizer='adam', loss='mse', metrics=['mae'])
