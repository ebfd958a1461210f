"""Source pipelines: read, validate, quarantine and transform one partition into the lake."""
