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
