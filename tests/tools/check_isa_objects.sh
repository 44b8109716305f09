#!/usr/bin/env bash
# check_isa_objects.sh OBJECT... — fails if an object compiled with ISA flags (*_avx2.cpp.o,
# *_avx512.cpp.o) defines a weak function (weak data: vtables, typeinfo, is not code).
#
# Why: inline functions and template instantiations are emitted as weak (COMDAT) symbols in
# every object that uses them, and the linker keeps ONE copy for the whole program. If that
# copy comes from a file built with -mavx512f, every caller — including code that runs on an
# AVX2-only CPU after runtime dispatch chose the AVX2 kernel — executes AVX-512 instructions
# and dies with SIGILL. This machine has AVX-512, so no other test would notice. ISA files
# therefore keep their helpers in anonymous namespaces (local symbols) and leave shared inline
# code (errors, std::string, ref::apply_epilogue) to files built without ISA flags.
set -euo pipefail
status=0
checked=0
for obj in "$@"; do
  case "$obj" in *_avx2.cpp.o|*_avx512.cpp.o) ;; *) continue ;; esac
  checked=$((checked + 1))
  bad=$(nm -C --defined-only "$obj" | awk '$2=="W"' | sed 's/^[0-9a-f]* //') || true
  if [ -n "$bad" ]; then
    echo "ISA object $(basename "$obj") defines weak symbols the linker may share with other code:"
    echo "$bad" | sed 's/^/  /'
    status=1
  fi
done
[ "$checked" -gt 0 ] || { echo "check_isa_objects: no *_avx2/*_avx512 objects given" >&2; exit 2; }
echo "check_isa_objects: $checked ISA objects checked"
exit $status
