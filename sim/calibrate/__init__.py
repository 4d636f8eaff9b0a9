"""Evidence for calibration: the observed months as data (``observed``: one documented place where the sources'
units become the model's, and the split between the calibration window and the holdout)."""
