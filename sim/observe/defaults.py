"""Defaults of conditioning, apart so that the command line can show them without importing the model."""

# Default kernel width for an observation without ``sd``: this share of the variable's reporting range in
# STATE_VARIABLES (India's share: 0.02; Brent: $4/bbl; Russia's oil revenue: $0.1bn/week).
DEFAULT_TOLERANCE = 0.02
# Under this effective sample size ``sim condition`` warns and exits with status 3: at 100, a probability
# of 50% carries a 95% interval of about +/-10 points.
DEFAULT_MIN_ESS = 100.0
