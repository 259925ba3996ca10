"""The employee directory (a capability package; imports ``core`` only): who works the hotline, on which extension,
in which queues (competences), and their fallback number. Other capabilities read it through
``core.ports.EmployeeDirectory``."""
from directory.exceptions import DirectoryError
from directory.importing import EmployeeIn, normalise_number, parse_csv, validate_rows
from directory.service import EmployeeDirectoryService, UpsertResult
from directory.setup import setup

__all__ = ["DirectoryError", "EmployeeDirectoryService", "EmployeeIn", "UpsertResult", "normalise_number", "parse_csv",
           "setup", "validate_rows"]
