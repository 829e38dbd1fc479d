"""Genes: named, explainable traits per customer, defined as data and built in batch SQL."""
