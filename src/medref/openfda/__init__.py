"""Import openFDA drug labels as monographs: the library behind `medref import openfda`.

Imports neither typer nor rich; the CLI wires these functions to its options and progress.
"""

from medref.openfda.download import (
    DEFAULT_MANIFEST_URL,
    MANIFEST_ENV,
    DownloadFile,
    DownloadPlan,
    download_files,
    plan_download,
)
from medref.openfda.importer import default_import_dir, import_files
from medref.openfda.model import ImportProgress, ImportSummary

__all__ = [
    "DEFAULT_MANIFEST_URL",
    "MANIFEST_ENV",
    "DownloadFile",
    "DownloadPlan",
    "ImportProgress",
    "ImportSummary",
    "default_import_dir",
    "download_files",
    "import_files",
    "plan_download",
]
