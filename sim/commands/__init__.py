"""The commands of ``sim``: one module per group of commands, each a thin layer of click over the library.

One pattern for all of them: a module defines its click commands and lists them in ``COMMANDS``; ``sim.cli``
registers the modules named in ``COMMAND_MODULES``. A module imports only click and the standard library at the
top (heavy imports go inside the commands), so ``sim --help`` stays fast.
"""

COMMAND_MODULES = ("run", "sweep", "charts", "share", "observe", "explore", "calibrate")
