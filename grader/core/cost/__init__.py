"""Pure estimates of what a Keras model config costs (shapes, parameters, multiply-adds) and the refusals built on
them.
"""
