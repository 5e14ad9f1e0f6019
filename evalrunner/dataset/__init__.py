"""Datasets: samples read from files, URLs, inline lists, bundled examples or Hugging Face;
in Python, Inspect's helpers (`json_dataset`, `csv_dataset`, `hf_dataset`, `MemoryDataset`,
`FieldSpec`, `example_dataset`)."""

from ._dataset import Dataset
from ._errors import DatasetError
from ._helpers import (
    FieldSpec,
    MemoryDataset,
    RecordToSample,
    csv_dataset,
    example_dataset,
    hf_dataset,
    json_dataset,
)
from ._read import DatasetScan, check_dataset, read_dataset, scan_dataset
from ._sample import Sample
from ._source import FileSource, ListSource, Record, RecordSource, file_reader

__all__ = [
    "Dataset",
    "DatasetError",
    "DatasetScan",
    "FieldSpec",
    "FileSource",
    "ListSource",
    "MemoryDataset",
    "Record",
    "RecordSource",
    "RecordToSample",
    "Sample",
    "check_dataset",
    "csv_dataset",
    "example_dataset",
    "file_reader",
    "hf_dataset",
    "json_dataset",
    "read_dataset",
    "scan_dataset",
]
