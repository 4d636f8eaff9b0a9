"""Evidence and calibration (issue 13): ``observed`` (the observed months as data: the one place where the
sources' units become the model's, and the split between the calibration window and the holdout), ``smc``
(``sim calibrate``: the uncertain parameters given the window) and ``validate`` (``make validate``: the
scorecard docs/validation.md)."""
