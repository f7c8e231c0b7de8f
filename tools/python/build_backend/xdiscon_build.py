# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""A PEP 517 build backend on the standard library alone: it packs the
xdiscon package, pure Python, into a wheel (and an sdist), so that
installing it needs no build tool from the network."""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = "xdiscon"
VERSION = "1.0.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METADATA = (
    "Metadata-Version: 2.1\n"
    "Name: %s\n"
    "Version: %s\n"
    "Summary: AF_XDISCON sockets: connections that end with disconnect data\n"
    "License: LGPL-2.1 OR BSD-2-Clause\n"
    "Requires-Python: >=3.11\n" % (NAME, VERSION))


def _package():
    """The package's modules: {path in the archive: bytes}."""
    files = {}
    for name in sorted(os.listdir(os.path.join(ROOT, NAME))):
        if name.endswith(".py"):
            with open(os.path.join(ROOT, NAME, name), "rb") as f:
                files["%s/%s" % (NAME, name)] = f.read()
    return files


def _record_line(path, data):
    digest = hashlib.sha256(data).digest()
    b64 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, b64, len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    wheel = "%s-%s-py3-none-any.whl" % (NAME, VERSION)
    info = "%s-%s.dist-info" % (NAME, VERSION)
    files = _package()
    files[info + "/METADATA"] = METADATA.encode()
    files[info + "/WHEEL"] = (b"Wheel-Version: 1.0\n"
                              b"Generator: xdiscon_build\n"
                              b"Root-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n")
    record = [_record_line(p, d) for p, d in files.items()]
    record.append(info + "/RECORD,,")
    files[info + "/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(path, data)
    return wheel


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, VERSION)
    sdist = base + ".tar.gz"
    files = _package()
    for path in ("pyproject.toml", "build_backend/xdiscon_build.py"):
        with open(os.path.join(ROOT, path), "rb") as f:
            files[path] = f.read()
    files["PKG-INFO"] = METADATA.encode()
    with tarfile.open(os.path.join(sdist_directory, sdist), "w:gz") as t:
        for path, data in files.items():
            member = tarfile.TarInfo("%s/%s" % (base, path))
            member.size = len(data)
            member.mode = 0o644
            t.addfile(member, io.BytesIO(data))
    return sdist
