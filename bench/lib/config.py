"""Sizes of everything the benchmark makes and measures: full (the issue's sizes) or quick."""
import os
from dataclasses import dataclass

MIB = 1 << 20


@dataclass(frozen=True)
class Sizes:
    name: str
    seq_mib: int          # the sequential read, sequential write and big copy-up file
    rand_mib: int         # the file fio reads and writes at random
    rand_io_mib: int      # how much fio moves per run, in 4 KiB blocks
    append_mib: int       # appended to a copied-up file, 4 KiB per write
    tree_dirs: int        # the tree every entry of which is stat'ed ...
    tree_files: int       # ... holds tree_dirs directories of tree_files files each
    flat_files: int       # one directory read by readdir
    create_files: int
    small_files: int      # copied up by a first write each
    delete_files: int
    rename_dirs: int
    chmod_files: int
    source_dirs: tuple    # parts of the source tarball kept; () keeps all of it


FULL = Sizes("full", seq_mib=1024, rand_mib=256, rand_io_mib=64, append_mib=64,
             tree_dirs=100, tree_files=1000, flat_files=100_000, create_files=10_000,
             small_files=1000, delete_files=10_000, rename_dirs=1000, chmod_files=2000,
             source_dirs=())
QUICK = Sizes("quick", seq_mib=64, rand_mib=32, rand_io_mib=8, append_mib=8,
              tree_dirs=10, tree_files=200, flat_files=5000, create_files=1000,
              small_files=100, delete_files=1000, rename_dirs=100, chmod_files=200,
              source_dirs=("elf", "string", "stdlib", "include", ".gitattributes"))


def from_environment():
    quick = os.environ.get("QUICK", "") not in ("", "0")
    return QUICK if quick else FULL
