"""Datasets: samples read from files, URLs, inline lists, bundled examples or Hugging Face."""

from ._dataset import Dataset
from ._errors import DatasetError
from ._read import DatasetScan, check_dataset, read_dataset, scan_dataset
from ._sample import Sample
from ._source import FileSource, ListSource, Record, RecordSource, file_reader

__all__ = [
    "Dataset",
    "DatasetError",
    "DatasetScan",
    "FileSource",
    "ListSource",
    "Record",
    "RecordSource",
    "Sample",
    "check_dataset",
    "file_reader",
    "read_dataset",
    "scan_dataset",
]
