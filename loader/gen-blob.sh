#!/bin/sh
# Turns the trampoline binary into C: loader/ embeds it (no incbin, no
# objcopy tricks, so every user of loader/ links it the same way).
set -eu
in=$1
size=$(wc -c < "$in")
echo "/* Generated from $(basename "$in") by loader/gen-blob.sh; do not edit. */"
echo '#include "lwkb_loader.h"'
echo "const lwkb_u32 lwkb_tramp_blob_size = $size;"
echo 'const lwkb_u8 lwkb_tramp_blob[] = {'
od -An -v -tx1 "$in" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g; s/^/\t/'
echo '};'
