# Examen Serie 2

input_shape = (150, 150)          # olvidé los canales de color
flatten_role = "to-vector"
dropout_rate = "drop-20"
output_neurons = """Es un problema binario: la neurona sigmoid da una probabilidad. Con 2, 4 o 9
neuronas no coincide con las etiquetas, habría que tener una neurona por clase con softmax."""
problem_type = "multiclass"
validation_count = 60000 - 0.3 * 60000   # los que quedan
evaluate_vs_predict = """evaluate usa las etiquetas de test y devuelve la pérdida y la accuracy.
predict da las probabilidades de cada clase."""
trainable_false = """Congela los pesos preentrenados (transfer learning). Si es True se reentrenan
todos los pesos (fine-tuning), es más lento y puede haber overfitting."""
sigmoid_vs_relu_output = """Porque la sigmoid es la que se usa en la última capa."""
