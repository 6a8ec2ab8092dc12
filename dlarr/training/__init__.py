"""Training and prediction: trainingOptions, the solvers, batching, the output
layers' losses, the training loop, prediction and the progress display.

Imports from every wing below it (core, kernels, functions, layers, networks).
"""
