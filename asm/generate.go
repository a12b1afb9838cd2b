package asm

// The NEON kernels (*_arm64.s) spell each instruction Go's arm64 assembler lacks as a WORD line
// whose comment holds its GNU syntax. encode_neon.sh re-encodes all of them with asm2plan9s and
// GNU as for AArch64; on an amd64 host it runs asm2plan9s's arm64 build under qemu-user (see
// README.md for the tools). The encoded lines are committed, so building never needs it.

//go:generate sh encode_neon.sh
