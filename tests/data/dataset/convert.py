"""A record_to_sample function, as a suite would keep it beside its data."""

from evalrunner import Sample


def record_to_sample(record):
    return Sample(
        input=record["ctx"],
        target="ABCD"[int(record["label"])],
        choices=record["endings"],
        id=record["ind"],
        metadata={"source_id": record["source_id"]},
    )


def two_per_record(record):
    return [
        {"input": record["ctx"], "target": "first"},
        Sample(input=record["ctx"], target="second", id=f"{record['ind']}-b"),
    ]


def broken(record):
    return record["no_such_field"]
