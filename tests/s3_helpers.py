"""A real S3-compatible server on loopback for the lake's object-store tests: moto in server
mode (``moto.server.ThreadedMotoServer``), reached over HTTP by s3fs exactly as a MinIO or an
AWS endpoint would be, with the standard AWS variables a deployment sets."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from ucj.stack import free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ucj-test", "AWS_SECRET_ACCESS_KEY": "ucj-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@contextmanager
def s3_server() -> Iterator[dict]:
    """Start moto's S3 server on a free loopback port; yield the environment a process needs
    to reach it (endpoint and credentials), set in this process too while it runs."""
    from moto.server import ThreadedMotoServer
    from s3fs import S3FileSystem

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    # fsspec keeps one S3FileSystem per set of arguments: one made for an earlier server
    # (another module's) would still talk to that server's port
    S3FileSystem.clear_instance_cache()
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()
        S3FileSystem.clear_instance_cache()


def new_bucket(prefix: str = "ucj-lake") -> str:
    """A new empty bucket on the running server; its ``s3://`` URL with a prefix inside."""
    import fsspec

    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    fsspec.filesystem("s3", use_listings_cache=False).mkdir(name)
    return f"s3://{name}/lake"
