"""Recommenders built by hand: similarities, neighbours, baselines, factorisation, metrics."""
