# Matriz de confusión de mi enunciado
vp, fn, fp, vn = 74, 8, 69, 123
total = vp + fn + fp + vn

accuracy = 100 * (vp + vn) / total       # en porcentaje, pero sin el signo %
precision = vp / (vp + fp)
recall = vp / (vp + fn)
# f1: no me dio tiempo

recall_meaning = "positives-found"
which_metric = "recall"
