"""Reading source files robustly and writing the Parquet lake."""
