"""Data Docs with no network: every file GX's templates load from a CDN is shipped (pinned, the
same bytes), copied into the site and linked relatively; headless Chromium, cut off from any
network, renders the index with every validation listed. Rules on derived columns show the
delivered column names."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import great_expectations
import pytest
from enrollment_rows import row, write_csv
from test_indicators import write_reference
from ucj.pipeline import enrollment, reference
from ucj.report import browser
from ucj.validation import datadocs

TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
LOADS = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)=["'](https?://[^"']+)["']""",
                   re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?(https?://[^"')]+)""")
# Chromium resolves no host name and sends everything else to a closed port: no network.
OFFLINE = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
           "--host-resolver-rules=MAP * ~NOTFOUND"]


def _template_loads() -> set[str]:
    found = set()
    for template in TEMPLATES.glob("*.j2"):
        found |= set(LOADS.findall(template.read_text(encoding="utf-8")))
    return found


def test_every_cdn_file_of_the_templates_is_shipped():
    loads = _template_loads()
    gx_images = {u for u in loads if "great-expectations-web-assets" in u or "{{" in u}
    assert loads - gx_images == set(datadocs.CDN_FILES)
    for path in datadocs.CDN_FILES.values():
        assert (datadocs.ASSETS / path).is_file(), path
    # the shipped bytes are those the registry served
    for line in (datadocs.ASSETS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((datadocs.ASSETS / name).read_bytes()).hexdigest() == digest, name


def test_shipped_files_are_the_bytes_gx_pins_by_hash():
    """Where GX's templates give a Subresource Integrity hash, the shipped file has it."""
    text = (TEMPLATES / "js_script_imports.j2").read_text(encoding="utf-8")
    pinned = re.findall(r'src="(https://[^"]+)" integrity="sha384-([^"]+)"', text)
    assert len(pinned) == 2
    for url, expected in pinned:
        data = (datadocs.ASSETS / datadocs.CDN_FILES[url]).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == expected, url


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Two months of enrollment and the reference tables validated into one site."""
    tmp = tmp_path_factory.mktemp("offline")
    val = tmp / "val"
    for periode in ("202601", "202602"):
        rows = [row(periode=f"{periode[:4]}-{periode[4:]}", kpj=f"{i:011d}",
                    nik=f"32130115059{i % 10}{i + 1:04d}", tgl_lahir=f"15/05/199{i % 10}")
                for i in range(12)]
        enrollment.process(write_csv(tmp / f"kepesertaan_{periode}.csv", rows), tmp / "lake",
                           val, "secret")
    write_reference(tmp / "reference")
    for f in sorted((tmp / "reference").glob("*.csv")):
        reference.process(f, tmp / "lake", val)
    return val


def _stored(val: Path) -> list[Path]:
    return sorted((val / "gx" / "uncommitted" / "validations").rglob("*.json"))


def _pages(val: Path) -> list[Path]:
    return sorted(datadocs.site_index(val).parent.rglob("*.html"))


def test_no_page_loads_anything_from_the_network(site):
    pages = _pages(site)
    assert len(pages) > len(_stored(site))  # validation pages, suites, the index
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert LOADS.findall(text) == [] and CSS_URL.findall(text) == [], page
        # what the build pointed at the site's copies is there (GX's own favicon link is
        # one level short on the validation pages: GX's, and no loss)
        local = re.findall(r"""\b(?:src|href)=["']([^"']*static/(?:vendor|images/logo)[^"']*)""",
                           text)
        assert len(local) >= len(datadocs.CDN_FILES), page
        for target in local:
            assert (page.parent / target).resolve().is_file(), (page, target)
        assert "crossorigin" not in text and "integrity=" not in text, page


def _offline_dom(page: Path) -> str:
    binary = browser.find()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="ucj-chromium-") as profile:
        return subprocess.run(
            [binary, *browser.FLAGS, *OFFLINE, f"--user-data-dir={profile}",
             "--virtual-time-budget=10000", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=True).stdout


def test_the_index_lists_every_validation_with_no_network(site):
    stored = _stored(site)
    assert len(stored) >= 5  # two months and the reference tables
    dom = _offline_dom(datadocs.site_index(site))
    # rows bootstrap-table drew from the page's data (jQuery and bootstrap-table ran)
    listed = re.findall(r'<tr class="clickable-row" data-href="(validations/[^"]+)"', dom)
    assert len(listed) == len(stored)
    for result in stored:
        relative = result.relative_to(site / "gx" / "uncommitted" / "validations")
        page = relative.with_suffix(".html").as_posix().replace("=", "%3D")
        assert f"validations/{page}" in listed, page


def test_expectations_show_the_delivered_column_names(site):
    results = [json.loads(p.read_text()) for p in _stored(site)]
    by_rule = {r["expectation_config"]["meta"]["rule"]: r["expectation_config"]["kwargs"]
               for res in results for r in res["results"]}
    assert by_rule["bekerja_within_usia_kerja"]["column_A"] == "penduduk_usia_kerja"
    assert by_rule["bekerja_within_usia_kerja"]["column_B"] == "penduduk_bekerja"
    assert by_rule["usia_kerja_within_penduduk"]["column_A"] == "penduduk"
    assert by_rule["nik_matches_tgl_lahir"] == {
        **by_rule["nik_matches_tgl_lahir"], "column_A": "nik", "column_B": "tgl_lahir"}
    assert by_rule["kpj_unique"]["column"] == "kpj"
    assert by_rule["periode_matches_file"]["column"] == "periode"
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        for derived in ("x_usia_kerja", "x_bekerja", "x_penduduk", "x_nik_dob", "x_dob",
                        "x_kpj_count", "x_tgl_lahir_valid", "x_periode"):
            assert derived not in text, (page, derived)
