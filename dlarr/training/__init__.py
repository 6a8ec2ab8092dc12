"""Training and prediction: trainingOptions, the solvers, batching, the output
layers' losses, the training loop, prediction and the progress display.

* ``options.py``: trainingOptions and its options classes, built from
  ``properties.py`` (value checks, the options every solver has) and
  ``solvers.py`` (the solver registry: one entry per solver; ``register_solver``).
* ``train.py``: trainNetwork and trainnet, which prepare the data
  (``batching.py``: sequences, padding, truncation, targets), pick the loss
  (``losses.py``) and run the loop (``loop.py``) with its hooks (``hooks.py``:
  validation, ValidationPatience, OutputNetwork, OutputFcn, and the progress
  table and plot of ``progress.py``); ``metricset.py`` computes the Metrics,
  ``dataformats.py`` reads InputDataFormats/TargetDataFormats, ``info.py`` builds
  what training returns with ``nargout=2`` (trainNetwork's info, TrainingInfo).
* ``prediction.py``: predict, classify, the AndUpdateState forms,
  minibatchpredict, scores2label.
* ``metrics.py``: confusionmat and confusionchart.

Imports from every wing below it (core, kernels, functions, layers, networks).
"""
