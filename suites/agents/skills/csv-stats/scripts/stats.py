"""count, sum and mean of a numeric column of a CSV file: stats.py FILE COLUMN."""

import csv
import sys

with open(sys.argv[1], newline="") as f:
    values = [float(row[sys.argv[2]]) for row in csv.DictReader(f)]
total = sum(values)
print(f"count={len(values)} sum={total:g} mean={total / len(values):g}")
