#!/bin/sh
# The fake claude with its stdin first copied to a file, for the concurrent
# bench runs. The fake reads stdin with readFileSync after touching
# process.stdin (which makes fd 0 non-blocking): when its read meets EAGAIN
# before the writer's end-of-file arrives, it drops what it had read and
# fails "Input must be provided". Under load (8 runs on 2 cores) that race is
# lost now and then, by direct spawns and gateway runs alike. A regular file
# never answers EAGAIN. Same argv, same stdin bytes; costs a `cat`.
tmp="${TMPDIR:-/tmp}/gateway-bench-stdin-$$"
cat > "$tmp" || exit 1
exec 3< "$tmp"
rm -f "$tmp"
exec "${0%/*}/../test/fixtures/bin/claude" "$@" <&3 3<&-
