"""Dataset readers, one module per source: each registers itself under its key.

A reader is `reader(spec, base_dir) -> RecordSource`, registered with
`registry.register("dataset", key, reader, reader=True)` (plus `file_format=True` when the
key is a file extension). `read_dataset` picks one by the spec key (`samples`, `example`,
`hf`) or by the extension of `path`, so adding a format is adding one module here.
"""
