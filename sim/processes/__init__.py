"""The model's processes: each module holds pure, vectorised functions of arrays (one entry per replicate),
tested against closed forms, and beside them the process object the weekly schedule runs (``base.Process``:
what it obeys, reads, writes and passes on).

No function here draws random numbers or mutates its inputs: noise comes in as arrays of uniforms or normals
drawn by the model from the process's own stream (``Week.noise``). To add a process: write its functions and
a ``Process`` subclass in a module here, declare its state in ``sim.state`` and its flows in ``sim.week``,
place it in ``sim.model.SCHEDULE`` and docs/model.md §3, and list it in the channels of the levers it reads
(``sim.levers``); ``tests/test_processes_contract.py`` says what is missing.
"""
