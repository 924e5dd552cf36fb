# descenso de gradiente estocástico
model.compile(optimizer='sgd', loss='mae')
