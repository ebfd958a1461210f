"""The lake on an object store (``s3://`` on moto's S3 server on loopback): the manifest is the
commit point, a re-commit replaces a partition whole, a commit killed before its manifest
leaves the published partition as it was; and a local lake's manifests list their files."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from s3_helpers import new_bucket, s3_server
from ucj.io import lake as lk
from ucj.io import store

SCHEMA = pa.schema([("n", pa.int64())])


@pytest.fixture(scope="module")
def s3():
    with s3_server() as env:
        yield env


@pytest.fixture
def lake(s3):
    return store.location(new_bucket())


def table(*values: int) -> pa.Table:
    return pa.table({"n": pa.array(values, type=pa.int64())}, schema=SCHEMA)


def commit(lake, *values: int, value: str = "2026-01") -> object:
    with lk.PartitionWriter(lake, "enrollment", "periode", value, SCHEMA) as w:
        w.write(table(*values))
        return w.commit({"rows_valid": len(values)})


def read(partition) -> list[int]:
    return sorted(n for f in lk.data_files(partition)
                  for n in store.read_table(f).column("n").to_pylist())


def objects(lake, partition) -> list[str]:
    fs, prefix = store.fs_and_path(partition)
    return sorted(k.rsplit("/", 1)[-1] for k in fs.find(prefix))


def test_location_of_a_url_and_of_a_folder(tmp_path, s3):
    assert store.is_remote(store.location("s3://b/lake"))
    assert str(store.location("s3://b/lake") / "enrollment") == "s3://b/lake/enrollment"
    assert store.location(str(tmp_path)) == tmp_path and not store.is_remote(tmp_path)
    assert store.location(f"file://{tmp_path}") == tmp_path


def test_commit_is_read_through_its_manifest(lake):
    partition = commit(lake, 1, 2, 3)
    assert str(partition).startswith("s3://")
    manifest = lk.read_manifest(partition)
    assert manifest["rows_valid"] == 3
    assert len(manifest["files"]) == 1 and manifest["files"][0].startswith("data-")
    assert [v for v, _ in lk.committed_partitions(lake, "enrollment", "periode")] == ["2026-01"]
    assert read(partition) == [1, 2, 3]
    assert objects(lake, partition) == sorted([lk.MANIFEST, *manifest["files"]])


def test_a_recommit_replaces_the_partition_and_removes_the_old_files(lake):
    first = lk.read_manifest(commit(lake, 1, 2))["files"]
    partition = commit(lake, 7, 8, 9)
    second = lk.read_manifest(partition)["files"]
    assert set(first).isdisjoint(second)
    assert read(partition) == [7, 8, 9]
    assert objects(lake, partition) == sorted([lk.MANIFEST, *second])
    commit(lake, 5, value="2026-02")
    assert [v for v, _ in lk.source_partitions(lake, _enrollment())] == ["2026-01", "2026-02"]
    assert [str(p) for p in lk.previous_partitions(lake, "enrollment", "periode", "2026-03")] \
        == [str(partition.parent / "periode=2026-02")]


def _enrollment():
    from ucj.sources import ENROLLMENT

    return ENROLLMENT


def test_a_commit_killed_before_its_manifest_leaves_the_partition_as_it_was(lake):
    partition = commit(lake, 1, 2)
    before = lk.read_manifest(partition)
    killed = lk.PartitionWriter(lake, "enrollment", "periode", "2026-01", SCHEMA)
    killed.__enter__()
    killed.write(table(100, 200, 300))
    killed._close(killed.path, failed=False)  # the file is complete; the process dies here
    assert killed.path.exists()
    assert lk.read_manifest(partition) == before
    assert read(partition) == [1, 2]
    # nothing half-committed is listed; the orphan goes with the stale leftovers
    lk.remove_stale_staging(lake, "enrollment", "periode", "2026-01", older_than=3600)
    assert killed.path.exists()  # a run in progress is young: kept
    lk.remove_stale_staging(lake, "enrollment", "periode", "2026-01", older_than=-1)
    assert not killed.path.exists()
    assert read(partition) == [1, 2]


def test_a_failed_write_leaves_no_file_and_no_partition(lake):
    with pytest.raises(RuntimeError), \
            lk.PartitionWriter(lake, "enrollment", "periode", "2026-04", SCHEMA) as w:
        w.write(table(1))
        raise RuntimeError("validation broke")
    assert lk.committed_partitions(lake, "enrollment", "periode") == []
    fs, prefix = store.fs_and_path(lake)
    assert fs.find(prefix) == []


def test_a_failed_write_of_several_upload_parts_is_aborted(lake):
    import numpy as np

    big = pa.table({"n": np.random.default_rng(1).integers(0, 2**62, 2_500_000)}, schema=SCHEMA)
    with pytest.raises(RuntimeError), \
            lk.PartitionWriter(lake, "enrollment", "periode", "2026-05", SCHEMA) as w:
        w.write(big)  # more than one upload part: a multipart upload is under way
        assert w._out.mpu
        raise RuntimeError("killed by a refusal")
    fs, prefix = store.fs_and_path(lake)
    assert fs.find(prefix) == []
    bucket = prefix.split("/", 1)[0]
    assert not fs.call_s3("list_multipart_uploads", Bucket=bucket).get("Uploads")


def test_parts_are_committed_together_from_the_shared_staging(lake):
    staging = lk.staging_dir(lake, "enrollment", "periode", "2026-01")
    parts = []
    for i, values in enumerate([(1, 2), (3,), (4, 5)]):
        path = staging / "valid" / f"part-{i:05d}.parquet"
        with lk.PartWriter(path, SCHEMA) as out:
            out.write(table(*values))
        parts.append(path)
    partition = lk.commit_parts(parts, lake, "enrollment", "periode", "2026-01", {"parts": 3})
    files = lk.read_manifest(partition)["files"]
    assert [f.split("-")[1] for f in files] == ["00000", "00001", "00002"]
    assert read(partition) == [1, 2, 3, 4, 5]
    lk.remove_tree(staging)
    assert not staging.exists() and read(partition) == [1, 2, 3, 4, 5]


def test_a_missing_file_is_an_error_naming_it(lake):
    partition = commit(lake, 1)
    name = lk.read_manifest(partition)["files"][0]
    fs, prefix = store.fs_and_path(partition)
    fs.rm_file(f"{prefix}/{name}")
    with pytest.raises(FileNotFoundError, match=name):
        store.read_table(lk.data_files(partition)[0])
    with pytest.raises(FileNotFoundError, match="periode=2026-09"):
        lk.read_manifest(partition.parent / "periode=2026-09")


def test_a_manifest_without_files_falls_back_to_the_folder(lake, tmp_path):
    for root in (lake, tmp_path / "lake"):
        partition = commit(root, 4, 5)
        manifest = lk.read_manifest(partition)
        del manifest["files"]
        (partition / lk.MANIFEST).write_text(json.dumps(manifest))
        assert read(partition) == [4, 5]


def test_a_local_manifest_lists_its_file(tmp_path):
    partition = commit(tmp_path / "lake", 1, 2)
    assert lk.read_manifest(partition)["files"] == ["data.parquet"]
    assert lk.data_files(partition) == [partition / "data.parquet"]
    assert (partition / "data.parquet").stat().st_mode & 0o777 == 0o600
