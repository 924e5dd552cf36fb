# Laboratorio Fashion-MNIST
train_images_shape = (28, 28)      # el tamaño de una imagen
len_test_labels = 10000
sparse_when = "integer-labels"
validation_images = 0.2 * 60000
loss_vs_val_loss = "train-vs-validation"
argmax_prediction = "b"
