"""medref: a fast offline command-line reference for medicine monographs."""

__version__ = "0.1.0"
