"""One module per topic notebook, each defining ``EXERCISES`` in the notebook's order."""
