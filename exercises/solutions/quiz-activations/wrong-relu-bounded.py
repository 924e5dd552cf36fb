# Cuestionario de funciones de activación (respuestas con las letras de mi enunciado)
tanh_range = "c"
sigmoid_range = "d"
relu_range = "d"          # pensé que ReLU, como la sigmoide, no pasa de 1
softmax_output = "d"
step_output = "d"
regression_output = "a"
true_statements = ["a", "d", "e"]
