"""The lever explorer (``sim explore``): a page in the browser where every lever, event, policy and uncertain
parameter of a scenario can be changed, with the outcome distribution and its paired difference from the
starting scenario re-computed on each change.

``session`` holds the logic (no web framework: tested on its own); ``app`` is the Streamlit page, installed
with the optional extra ``pip install -e '.[explore]'`` (``make explore``).
"""
