"""Command modules beyond run/validate/params, each defining click commands registered by ``sim.cli``."""
