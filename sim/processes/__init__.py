"""The model's processes: pure, vectorised functions of arrays (one entry per replicate).

No function here draws random numbers or mutates its inputs: noise comes in as arrays of uniforms or normals
drawn by the model from the process's own stream.
"""
