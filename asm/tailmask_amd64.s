//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// tailMask is eight all-ones int32 lanes followed by eight zero lanes. The 32 bytes at
// tailMask+4*(8-r) have their first r lanes set, the mask that VMASKMOVPS needs to load or
// store the last r < 8 elements of a slice without touching memory past its end.
DATA ·tailMask+0(SB)/8, $0xffffffffffffffff
DATA ·tailMask+8(SB)/8, $0xffffffffffffffff
DATA ·tailMask+16(SB)/8, $0xffffffffffffffff
DATA ·tailMask+24(SB)/8, $0xffffffffffffffff
DATA ·tailMask+32(SB)/8, $0
DATA ·tailMask+40(SB)/8, $0
DATA ·tailMask+48(SB)/8, $0
DATA ·tailMask+56(SB)/8, $0
GLOBL ·tailMask(SB), RODATA|NOPTR, $64

// tailBits16 holds 2^r - 1 for r = 0..16 as 16-bit words: the opmask that selects the first r
// of 16 lanes, loaded with KMOVW tailBits16+2*r.
DATA ·tailBits16+0(SB)/8, $0x0007000300010000
DATA ·tailBits16+8(SB)/8, $0x007f003f001f000f
DATA ·tailBits16+16(SB)/8, $0x07ff03ff01ff00ff
DATA ·tailBits16+24(SB)/8, $0x7fff3fff1fff0fff
DATA ·tailBits16+32(SB)/2, $0xffff
GLOBL ·tailBits16(SB), RODATA|NOPTR, $34
