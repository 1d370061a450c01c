"""mlterms: a command-line ML concept explorer over a markdown glossary."""

__version__ = "0.1.0"
