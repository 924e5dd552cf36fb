# El modelo de dengue da una probabilidad entre 0 y 1, así que pensé que era regresión.
dengue = "regresión"
house_price = "Regression"
fuel_efficiency = "regresión"
like_movie = "Clasificación"
times_watch = "regresión"
