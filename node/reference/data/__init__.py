"""Reference data files of ``node.reference`` (a package so that wheels ship the CSV files)."""
