"""catalog: validate, package and publish open data as one hub."""

__version__ = "0.1.0"
