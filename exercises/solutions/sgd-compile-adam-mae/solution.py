model.compile(
    optimizer="adam",
    loss="mae",
)
