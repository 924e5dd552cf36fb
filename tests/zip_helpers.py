"""Zipped folders for upload tests: a notebook whose model reads its layer width from a CSV beside it, and
archives built entry by entry (links, encrypted flags, lying sizes) as a hostile student could."""

from __future__ import annotations

import io
import json
import stat
import warnings
import zipfile

# The notebook's model is right only when it reads `datos/capas.csv`: without that file it is never built.
UNITS_CSV = b"capa,units\noculta,16\n"
NOTEBOOK = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
        "import pandas as pd\n", "units = int(pd.read_csv('datos/capas.csv')['units'][0])\n"]},
    {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
        "from tensorflow import keras\n", "model = keras.Sequential([\n",
        "    keras.layers.Flatten(input_shape=(5, 5)),\n",
        "    keras.layers.Dense(units, activation='relu'),\n", "    keras.layers.Dense(units, activation='relu'),\n",
        "    keras.layers.Dense(3, activation='relu'),\n", "    keras.layers.Dense(2, activation='softmax'),\n",
        "])\n"]}]}).encode()


def zipped(entries: dict[str, bytes], *, link: str | None = None, encrypted: str | None = None) -> bytes:
    """A zip of `entries` (name -> bytes, names kept exactly as given), plus a symbolic link entry named `link`
    and an entry flagged as encrypted named `encrypted`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
        if encrypted is not None:
            archive.writestr(encrypted, b"secreto")
    if encrypted is None:
        return out.getvalue()
    # zipfile never writes an encrypted entry: set the flag bit in both of its headers, as a tool that does.
    raw = bytearray(out.getvalue())
    local = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(encrypted).header_offset
    central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(encrypted.encode()))
    raw[local + 6] |= 0x1
    raw[central + 8] |= 0x1
    return bytes(raw)


def with_duplicate(name: str) -> bytes:
    """A zip holding two entries called `name` (zipfile warns, and writes both)."""
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
        warnings.simplefilter("ignore")
        archive.writestr("practica.ipynb", NOTEBOOK)
        archive.writestr(name, b"1")
        archive.writestr(name, b"2")
    return out.getvalue()


def lying_size(data: bytes, name: str, declared: int) -> bytes:
    """`data` (a zip) with entry `name`'s uncompressed size declared as `declared` in both of its headers (a
    zip bomb's trick: small on paper, large once inflated)."""
    raw = bytearray(data)
    local = zipfile.ZipFile(io.BytesIO(data)).getinfo(name).header_offset
    central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(name.encode()))  # the entry's central directory record
    raw[local + 22:local + 26] = declared.to_bytes(4, "little")
    raw[central + 24:central + 28] = declared.to_bytes(4, "little")
    return bytes(raw)
