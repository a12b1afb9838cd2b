//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// The lanes' first indices 0..3, the step 4, and +Inf to start the least two from.
DATA minTwoIdx<>+0(SB)/8, $0
DATA minTwoIdx<>+8(SB)/8, $1
DATA minTwoIdx<>+16(SB)/8, $2
DATA minTwoIdx<>+24(SB)/8, $3
GLOBL minTwoIdx<>(SB), RODATA|NOPTR, $32
DATA minTwoStep<>+0(SB)/8, $4
DATA minTwoStep<>+8(SB)/8, $4
DATA minTwoStep<>+16(SB)/8, $4
DATA minTwoStep<>+24(SB)/8, $4
GLOBL minTwoStep<>(SB), RODATA|NOPTR, $32
DATA minTwoInf<>+0(SB)/8, $0x7ff0000000000000
DATA minTwoInf<>+8(SB)/8, $0x7ff0000000000000
DATA minTwoInf<>+16(SB)/8, $0x7ff0000000000000
DATA minTwoInf<>+24(SB)/8, $0x7ff0000000000000
GLOBL minTwoInf<>(SB), RODATA|NOPTR, $32

// func minTwoAVX2(x, v []float64, lanes *[12]uint64)
//
// Per lane: h = x - v; mask = h < least; second = min(second, max(h, least));
// least = min(least, h); index = mask ? j : index. Strict < keeps a lane's first index.
TEXT ·minTwoAVX2(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI        // SI = &x[0]
	MOVQ x_len+8(FP), CX         // CX = n, a multiple of 4
	MOVQ v_base+24(FP), DI       // DI = &v[0]
	MOVQ lanes+48(FP), BX        // BX = lanes
	VMOVUPD minTwoInf<>(SB), Y0  // Y0 = least per lane
	VMOVUPD Y0, Y1               // Y1 = second least per lane
	VPXOR Y2, Y2, Y2             // Y2 = index of the least per lane
	VMOVDQU minTwoIdx<>(SB), Y3  // Y3 = j for each lane
	VMOVDQU minTwoStep<>(SB), Y4 // Y4 = 4
	XORQ AX, AX                  // AX = j = 0

loop:
	VMOVUPD (SI)(AX*8), Y5       // x[j:j+4]
	VSUBPD (DI)(AX*8), Y5, Y5    // h = x[j:j+4] - v[j:j+4]
	VCMPPD $1, Y0, Y5, Y6        // mask = h < least
	VMAXPD Y0, Y5, Y7            // max(h, least)
	VMINPD Y7, Y1, Y1            // second = min(second, max(h, least))
	VMINPD Y5, Y0, Y0            // least = min(least, h)
	VBLENDVPD Y6, Y3, Y2, Y2     // index = mask ? j : index
	VPADDQ Y4, Y3, Y3            // j += 4 in every lane
	ADDQ $4, AX
	CMPQ AX, CX
	JB   loop

	VMOVUPD Y0, (BX)
	VMOVUPD Y1, 32(BX)
	VMOVDQU Y2, 64(BX)
	VZEROUPPER
	RET
