# Mis números: gradiente 2, learning rate 0.01, peso 1
gradiente = 2.0
lr = 0.01
peso = 1.0

step_size = gradiente * lr
next_weight = peso + lr * gradiente   # sumé el paso en vez de restarlo
learning_rate_role = "d"
lr_too_large = "a"                    # creí que con tasa 1 llega al mínimo en un paso
lr_too_small = "c"
higher_lr_steps = "b"
