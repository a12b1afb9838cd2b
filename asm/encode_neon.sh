#!/bin/sh
# encode_neon.sh re-encodes the WORD lines of asm/*_arm64.s from the GNU syntax in their comments
# with github.com/minio/asm2plan9s (a tool in go.mod). `go generate ./asm` runs it in asm/.
#
# asm2plan9s's arm64 build runs `as -march=armv8-a+crypto -o X.obj -al=X.lis X.asm` for each
# instruction, taking `as` from PATH, and reads the encoding from the listing. On an arm64 host
# that is the native GNU as. Elsewhere the arm64 build runs under qemu-aarch64-static, and `as`
# must be binutils-aarch64-linux-gnu's assembler, which a temporary directory ahead on PATH
# provides as a symlink (qemu-user runs that host binary natively when asm2plan9s execs it).
set -eu

files=$(ls ./*_arm64.s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ "$(go env GOHOSTARCH)" = arm64 ]; then
	for f in $files; do
		go tool asm2plan9s "$f" >/dev/null
	done
else
	gas=$(command -v aarch64-linux-gnu-as) || {
		echo "encode_neon.sh: aarch64-linux-gnu-as not found (apt-get install binutils-aarch64-linux-gnu)" >&2
		exit 1
	}
	command -v qemu-aarch64-static >/dev/null || {
		echo "encode_neon.sh: qemu-aarch64-static not found (apt-get install qemu-user-static)" >&2
		exit 1
	}
	ln -s "$gas" "$tmp/as"
	GOOS=linux GOARCH=arm64 go build -o "$tmp/asm2plan9s" github.com/minio/asm2plan9s
	for f in $files; do
		PATH="$tmp:$PATH" qemu-aarch64-static "$tmp/asm2plan9s" "$f" >/dev/null
	done
fi

# asm2plan9s leaves a line alone when it cannot recognise it (inside a #define, or spaced
# differently), so a placeholder that slipped through is an error here, not a SIGILL later.
if grep -n 'WORD \$0x00000000' $files >&2; then
	echo "encode_neon.sh: the WORD lines above were not encoded" >&2
	exit 1
fi
