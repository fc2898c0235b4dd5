"""Writes a minifo META file (docs/meta-format.md) holding whiteout records, so the mount-time
row can load a large META file without first deleting 100,000 files through a mount."""
import struct

MAGIC = b"\x89MFMETA\n"
NAME = "META_dAfFgHE39ktF3HD2sr"
KIND_WHITEOUT = 1


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def _record(kind, payload):
    body = bytes([kind]) + payload
    return struct.pack("<I", len(body)) + body + struct.pack("<I", crc32c(body))


def write_whiteouts(path, base, deleted):
    """Writes a META file for canonical base path `base` in which every relative path of
    `deleted` is a deleted base object."""
    encoded = base.encode()
    header = MAGIC + struct.pack("<II", 1, len(encoded)) + encoded
    parts = [header, struct.pack("<I", crc32c(header))]
    for relative in deleted:
        name = relative.encode()
        parts.append(_record(KIND_WHITEOUT, struct.pack("<H", len(name)) + name + b"\x01"))
    with open(path, "wb") as out:
        out.write(b"".join(parts))
