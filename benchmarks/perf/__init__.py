"""The performance benchmark of Leverage (GitHub issue #6): ``make bench`` (6-10 minutes on 2 cores) or
``make bench-smoke`` (seconds: tiny sizes, one repeat, nothing timed against a target).

Parts (each figure is the median of several runs, with min and max):
  1. ensemble   the baseline scenario, 104 weeks, at R = 1 ... 100,000 in one process: wall time, µs per
                replicate-week with all the weekly reporting ``sim run`` does (``sim.runner.run``), the bare
                model steps for information, and peak resident memory. Every measurement runs in a fresh
                subprocess so peaks do not accumulate.
  2. idiomatic  one Mesa model per replicate, run N times in sequence the way ``mesa.batch_run`` does
                (benchmarks/mesa_idiomatic.py), against one ensemble model of R = N, in the same process.
  3. million    ``sim run scenarios/baseline.yaml -n 1000000`` with the default workers: wall time and peak
                memory summed over the whole process tree (sampled from /proc every 0.1 s), then a check that
                the results are byte-identical to a ``--workers 1`` run.
  4. sweep      ``sim sweep`` of 100 points x 1,000 replicates with --workers 1 and 2: wall time, speed-up and
                the overhead of the sweep machinery (its wall time against the sum of the tasks' compute).
  5. profile    one week at R = 10,000: cProfile by function, and numpy calls per week counted by
                instrumenting the model's arrays (benchmarks/profile_week.txt beside the results).
  6. explorer   ``sim explore``'s latency from a lever move to the fast-pass numbers at 2,000 replicates
                (benchmarks/perf/explorer.py; skipped without the explore extra).

Writes benchmarks/results.json (``--out``) and prints a table with every figure and target.
Internal: ``bench.py --one KIND ...`` is one measurement in a fresh process; it prints one JSON line.
"""
