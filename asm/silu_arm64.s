//go:build gc && !purego && !noasm

#include "textflag.h"

// SiLU and its derivative on NEON, eight values (two vectors, interleaved) per iteration; the Go
// wrappers pass whole blocks of eight and pad the rest.
//
// Both need exp(-z), computed much as Cephes' expf does: x = -z is clamped to [-87.33655, 89],
// n = round(x*log2(e)), r = x - n*ln(2) with ln(2) split in two so that n*C1 is exact,
// exp(r) = 1 + r + r*r*P(r) with a degree-5 P, and 2^n is (n+127)<<23 read as a float32. Its
// relative error is about 1e-7. At the low end 2^-126 is still a normal number and 1 + exp(-z)
// rounds to 1, so h = z; from x of about 88.38 on, n = 128 makes 2^n, and so exp(-z), +Inf,
// and h = z/Inf = -0, which is where z/(1+exp(-z)) goes: the clamp never lets a huge |z| give a
// finite ratio such as -3e38/exp(88). The sigmoid takes a true division. Go's assembler lacks
// vector fadd, fmul, fdiv, fmin, fmax, fneg, fsub, fcvtns and scvtf: those are WORD lines encoded
// by asm2plan9s from the GNU syntax in their comments.
//
// Registers: V16-V28 hold the constants, set once; lane pair (L = 0, 1) uses
//   V0+L z, V2+L x then r, V4+L n then 2^n, V6+L n as a float, V8+L and V10+L the Horner
//   terms, V12+L 1 + exp(-z), V14+L r*r then the result.

// func biasSiLUNEONAsm(z, h, b []float32)
TEXT ·biasSiLUNEONAsm(SB), NOSPLIT, $0-72
	MOVD z_base+0(FP), R0
	MOVD z_len+8(FP), R1
	MOVD h_base+24(FP), R3
	MOVD b_base+48(FP), R2
	LSR  $3, R1          // blocks of eight
	CBZ  R1, biasSiLUDone
	MOVW $0x3f800000, R5 // 1
	VDUP R5, V16.S4
	MOVW $0x42b20000, R5 // 89: from about 88.38 on n = 128 and 2^n is +Inf
	VDUP R5, V17.S4
	MOVW $0xc2aeac50, R5 // -87.33655 = ln(2^-126): the smallest x whose 2^n is a normal number
	VDUP R5, V18.S4
	MOVW $0x3fb8aa3b, R5 // log2(e)
	VDUP R5, V19.S4
	MOVW $0x3f318000, R5 // C1 = 0.693359375, ln(2) rounded to 10 bits so n*C1 is exact
	VDUP R5, V20.S4
	MOVW $0xb95e8083, R5 // C2 = -2.12194440e-4 = ln(2) - C1
	VDUP R5, V21.S4
	MOVW $0x39506967, R5 // P0 = 1.9875691500e-4
	VDUP R5, V22.S4
	MOVW $0x3ab743ce, R5 // P1 = 1.3981999507e-3
	VDUP R5, V23.S4
	MOVW $0x3c088908, R5 // P2 = 8.3334519073e-3
	VDUP R5, V24.S4
	MOVW $0x3d2aa9c1, R5 // P3 = 4.1665795894e-2
	VDUP R5, V25.S4
	MOVW $0x3e2aaaaa, R5 // P4 = 1.6666665459e-1
	VDUP R5, V26.S4
	MOVW $0x3f000000, R5 // P5 = 5.0000001201e-1
	VDUP R5, V27.S4
	MOVW $0x0000007f, R5 // 127, the exponent bias (an integer)
	VDUP R5, V28.S4

biasSiLULoop:
	VLD1   (R0), [V0.S4, V1.S4]
	VLD1.P 32(R2), [V2.S4, V3.S4]
	WORD $0x4e22d400 // fadd v0.4s, v0.4s, v2.4s
	WORD $0x4e23d421 // fadd v1.4s, v1.4s, v3.4s
	VST1.P [V0.S4, V1.S4], 32(R0) // z += b
	// x = -z clamped to [-87.33655, 89]
	WORD $0x6ea0f802 // fneg v2.4s, v0.4s
	WORD $0x6ea0f823 // fneg v3.4s, v1.4s
	WORD $0x4eb1f442 // fmin v2.4s, v2.4s, v17.4s
	WORD $0x4eb1f463 // fmin v3.4s, v3.4s, v17.4s
	WORD $0x4e32f442 // fmax v2.4s, v2.4s, v18.4s
	WORD $0x4e32f463 // fmax v3.4s, v3.4s, v18.4s
	// n = round(x*log2(e)); r = x - n*ln(2) in two parts (Cody and Waite)
	WORD $0x6e33dc44 // fmul v4.4s, v2.4s, v19.4s
	WORD $0x6e33dc65 // fmul v5.4s, v3.4s, v19.4s
	WORD $0x4e21a884 // fcvtns v4.4s, v4.4s
	WORD $0x4e21a8a5 // fcvtns v5.4s, v5.4s
	WORD $0x4e21d886 // scvtf v6.4s, v4.4s
	WORD $0x4e21d8a7 // scvtf v7.4s, v5.4s
	VFMLS V6.S4, V20.S4, V2.S4
	VFMLS V7.S4, V20.S4, V3.S4
	VFMLS V6.S4, V21.S4, V2.S4
	VFMLS V7.S4, V21.S4, V3.S4
	// exp(r) = 1 + r + r*r*P(r), P by Horner; 2^n built in its exponent field in between
	VMOV V23.B16, V8.B16
	VMOV V23.B16, V9.B16
	VFMLA V22.S4, V2.S4, V8.S4
	VFMLA V22.S4, V3.S4, V9.S4
	VADD V28.S4, V4.S4, V4.S4
	VADD V28.S4, V5.S4, V5.S4
	VMOV V24.B16, V10.B16
	VMOV V24.B16, V11.B16
	VFMLA V8.S4, V2.S4, V10.S4
	VFMLA V9.S4, V3.S4, V11.S4
	VSHL $23, V4.S4, V4.S4
	VSHL $23, V5.S4, V5.S4
	VMOV V25.B16, V8.B16
	VMOV V25.B16, V9.B16
	VFMLA V10.S4, V2.S4, V8.S4
	VFMLA V11.S4, V3.S4, V9.S4
	WORD $0x6e22dc4e // fmul v14.4s, v2.4s, v2.4s
	WORD $0x6e23dc6f // fmul v15.4s, v3.4s, v3.4s
	VMOV V26.B16, V10.B16
	VMOV V26.B16, V11.B16
	VFMLA V8.S4, V2.S4, V10.S4
	VFMLA V9.S4, V3.S4, V11.S4
	WORD $0x4e30d44c // fadd v12.4s, v2.4s, v16.4s
	WORD $0x4e30d46d // fadd v13.4s, v3.4s, v16.4s
	VMOV V27.B16, V8.B16
	VMOV V27.B16, V9.B16
	VFMLA V10.S4, V2.S4, V8.S4
	VFMLA V11.S4, V3.S4, V9.S4
	VFMLA V8.S4, V14.S4, V12.S4
	VFMLA V9.S4, V15.S4, V13.S4
	// 1 + exp(r)*2^n
	WORD $0x6e24dd8c // fmul v12.4s, v12.4s, v4.4s
	WORD $0x6e25ddad // fmul v13.4s, v13.4s, v5.4s
	WORD $0x4e30d58c // fadd v12.4s, v12.4s, v16.4s
	WORD $0x4e30d5ad // fadd v13.4s, v13.4s, v16.4s
	// h = z / (1 + exp(-z))
	WORD $0x6e2cfc0e // fdiv v14.4s, v0.4s, v12.4s
	WORD $0x6e2dfc2f // fdiv v15.4s, v1.4s, v13.4s
	VST1.P [V14.S4, V15.S4], 32(R3)
	SUBS   $1, R1
	BNE    biasSiLULoop

biasSiLUDone:
	RET

// func siluGradNEONAsm(dz, dh, z []float32)
TEXT ·siluGradNEONAsm(SB), NOSPLIT, $0-72
	MOVD dz_base+0(FP), R3
	MOVD dz_len+8(FP), R1
	MOVD dh_base+24(FP), R2
	MOVD z_base+48(FP), R0
	LSR  $3, R1          // blocks of eight
	CBZ  R1, siluGradDone
	MOVW $0x3f800000, R5 // 1
	VDUP R5, V16.S4
	MOVW $0x42b20000, R5 // 89: from about 88.38 on n = 128 and 2^n is +Inf
	VDUP R5, V17.S4
	MOVW $0xc2aeac50, R5 // -87.33655 = ln(2^-126): the smallest x whose 2^n is a normal number
	VDUP R5, V18.S4
	MOVW $0x3fb8aa3b, R5 // log2(e)
	VDUP R5, V19.S4
	MOVW $0x3f318000, R5 // C1 = 0.693359375, ln(2) rounded to 10 bits so n*C1 is exact
	VDUP R5, V20.S4
	MOVW $0xb95e8083, R5 // C2 = -2.12194440e-4 = ln(2) - C1
	VDUP R5, V21.S4
	MOVW $0x39506967, R5 // P0 = 1.9875691500e-4
	VDUP R5, V22.S4
	MOVW $0x3ab743ce, R5 // P1 = 1.3981999507e-3
	VDUP R5, V23.S4
	MOVW $0x3c088908, R5 // P2 = 8.3334519073e-3
	VDUP R5, V24.S4
	MOVW $0x3d2aa9c1, R5 // P3 = 4.1665795894e-2
	VDUP R5, V25.S4
	MOVW $0x3e2aaaaa, R5 // P4 = 1.6666665459e-1
	VDUP R5, V26.S4
	MOVW $0x3f000000, R5 // P5 = 5.0000001201e-1
	VDUP R5, V27.S4
	MOVW $0x0000007f, R5 // 127, the exponent bias (an integer)
	VDUP R5, V28.S4

siluGradLoop:
	VLD1.P 32(R0), [V0.S4, V1.S4]
	// x = -z clamped to [-87.33655, 89]
	WORD $0x6ea0f802 // fneg v2.4s, v0.4s
	WORD $0x6ea0f823 // fneg v3.4s, v1.4s
	WORD $0x4eb1f442 // fmin v2.4s, v2.4s, v17.4s
	WORD $0x4eb1f463 // fmin v3.4s, v3.4s, v17.4s
	WORD $0x4e32f442 // fmax v2.4s, v2.4s, v18.4s
	WORD $0x4e32f463 // fmax v3.4s, v3.4s, v18.4s
	// n = round(x*log2(e)); r = x - n*ln(2) in two parts (Cody and Waite)
	WORD $0x6e33dc44 // fmul v4.4s, v2.4s, v19.4s
	WORD $0x6e33dc65 // fmul v5.4s, v3.4s, v19.4s
	WORD $0x4e21a884 // fcvtns v4.4s, v4.4s
	WORD $0x4e21a8a5 // fcvtns v5.4s, v5.4s
	WORD $0x4e21d886 // scvtf v6.4s, v4.4s
	WORD $0x4e21d8a7 // scvtf v7.4s, v5.4s
	VFMLS V6.S4, V20.S4, V2.S4
	VFMLS V7.S4, V20.S4, V3.S4
	VFMLS V6.S4, V21.S4, V2.S4
	VFMLS V7.S4, V21.S4, V3.S4
	// exp(r) = 1 + r + r*r*P(r), P by Horner; 2^n built in its exponent field in between
	VMOV V23.B16, V8.B16
	VMOV V23.B16, V9.B16
	VFMLA V22.S4, V2.S4, V8.S4
	VFMLA V22.S4, V3.S4, V9.S4
	VADD V28.S4, V4.S4, V4.S4
	VADD V28.S4, V5.S4, V5.S4
	VMOV V24.B16, V10.B16
	VMOV V24.B16, V11.B16
	VFMLA V8.S4, V2.S4, V10.S4
	VFMLA V9.S4, V3.S4, V11.S4
	VSHL $23, V4.S4, V4.S4
	VSHL $23, V5.S4, V5.S4
	VMOV V25.B16, V8.B16
	VMOV V25.B16, V9.B16
	VFMLA V10.S4, V2.S4, V8.S4
	VFMLA V11.S4, V3.S4, V9.S4
	WORD $0x6e22dc4e // fmul v14.4s, v2.4s, v2.4s
	WORD $0x6e23dc6f // fmul v15.4s, v3.4s, v3.4s
	VMOV V26.B16, V10.B16
	VMOV V26.B16, V11.B16
	VFMLA V8.S4, V2.S4, V10.S4
	VFMLA V9.S4, V3.S4, V11.S4
	WORD $0x4e30d44c // fadd v12.4s, v2.4s, v16.4s
	WORD $0x4e30d46d // fadd v13.4s, v3.4s, v16.4s
	VMOV V27.B16, V8.B16
	VMOV V27.B16, V9.B16
	VFMLA V10.S4, V2.S4, V8.S4
	VFMLA V11.S4, V3.S4, V9.S4
	VFMLA V8.S4, V14.S4, V12.S4
	VFMLA V9.S4, V15.S4, V13.S4
	// 1 + exp(r)*2^n
	WORD $0x6e24dd8c // fmul v12.4s, v12.4s, v4.4s
	WORD $0x6e25ddad // fmul v13.4s, v13.4s, v5.4s
	WORD $0x4e30d58c // fadd v12.4s, v12.4s, v16.4s
	WORD $0x4e30d5ad // fadd v13.4s, v13.4s, v16.4s
	// s = 1 / (1 + exp(-z)); dz = dh * s*(1 + z*(1-s))
	WORD $0x6e2cfe0e // fdiv v14.4s, v16.4s, v12.4s
	WORD $0x6e2dfe0f // fdiv v15.4s, v16.4s, v13.4s
	VLD1.P 32(R2), [V4.S4, V5.S4] // dh, read before dz is written in case they alias
	WORD $0x4eaed60a // fsub v10.4s, v16.4s, v14.4s
	WORD $0x4eafd60b // fsub v11.4s, v16.4s, v15.4s
	VMOV   V16.B16, V8.B16
	VMOV   V16.B16, V9.B16
	VFMLA  V0.S4, V10.S4, V8.S4
	VFMLA  V1.S4, V11.S4, V9.S4
	WORD $0x6e2edd08 // fmul v8.4s, v8.4s, v14.4s
	WORD $0x6e2fdd29 // fmul v9.4s, v9.4s, v15.4s
	WORD $0x6e24dd08 // fmul v8.4s, v8.4s, v4.4s
	WORD $0x6e25dd29 // fmul v9.4s, v9.4s, v5.4s
	VST1.P [V8.S4, V9.S4], 32(R3)
	SUBS   $1, R1
	BNE    siluGradLoop

siluGradDone:
	RET
