model.compile(optimizer='Adam', loss='mean_absolute_error')
