"""medref: a fast offline command-line reference for medicine monographs.

The Python API is `medref.Library` (see medref/library.py); its results are the models in
`medref.models`, and its errors the exceptions in `medref.errors`.
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Library", "__version__"]

if TYPE_CHECKING:
    from medref.library import Library


def __getattr__(name: str) -> Any:
    # The command line imports this package on every start; the library only when used.
    if name == "Library":
        from medref.library import Library

        return Library
    raise AttributeError(f"module 'medref' has no attribute {name!r}")
