//go:build gc && !purego && !noasm

#include "textflag.h"

// SiLU and its derivative on NEON, eight values (two vectors, interleaved) per iteration; the Go
// wrappers pass whole blocks of eight and pad the rest.
//
// Both need 1 + exp(-z), computed as silu_amd64.s does, with short dependency chains: x = -z is
// clamped to [-87.33655, 89]; n = round(x*log2(e)) is one fmla into roundMagic = 1.5*2^23 + 127,
// which leaves n + 127 in the low mantissa bits (shifted left by 23 they are 2^n, and
// subtracting roundMagic gives n as a float: no fcvtns, scvtf or integer add); r = x - n*ln(2)
// with ln(2) split in two so that n*ln2Hi is exact; exp(r) = 1 + (r + r*r*P(r)) with P of
// degree 4 by Estrin's scheme (three fmla deep after r*r, where Cephes's degree-5 Horner was
// six), its terms summed smallest first; and 1 + 2^n*exp(r) is one fmla. At the low end 2^-126 is
// still a normal number and 1 + exp(-z) rounds to 1, so h = z; from x of about 88.38 on,
// n = 128 makes 2^n, and so exp(-z), +Inf (exp(r) > 0, so never NaN), and h = z/Inf = -0, which
// is where z/(1+exp(-z)) goes: the clamp never lets a huge |z| give a finite ratio such as
// -3e38/exp(88). The sigmoid takes a true division. Go's assembler lacks vector fadd, fmul,
// fdiv, fmin, fmax, fneg and fsub: those are WORD lines encoded by asm2plan9s from the GNU
// syntax in their comments.
//
// Registers: V16-V27 hold the constants, set once; lane pair (L = 0, 1) uses V0+L z, V2+L x
//   then r then r + r*r*P, V4+L t then 2^n, V6+L n then r*r, V8+L and V10+L Estrin's terms,
//   V12+L exp(r), V14+L 1 + exp(-z) then the result.

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
	MOVW $0x3f318000, R5 // ln2Hi = 0.693359375, ln(2) rounded to 10 bits so n*ln2Hi is exact
	VDUP R5, V20.S4
	MOVW $0xb95e8083, R5 // ln2Lo = -2.12194440e-4 = ln(2) - ln2Hi
	VDUP R5, V21.S4
	MOVW $0x3efffffe, R5 // C0..C4: minimax fit of (e^r - 1 - r)/r^2 on |r| <= ln2/2 (silu_amd64.s)
	VDUP R5, V22.S4
	MOVW $0x3e2aaa49, R5
	VDUP R5, V23.S4
	MOVW $0x3d2aac79, R5
	VDUP R5, V24.S4
	MOVW $0x3c091cf1, R5
	VDUP R5, V25.S4
	MOVW $0x3ab5121a, R5
	VDUP R5, V26.S4
	MOVW $0x4b40007f, R5 // roundMagic = 1.5*2^23 + 127
	VDUP R5, V27.S4

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
	// t = roundMagic + x*log2(e) rounds x*log2(e) to n, leaving n + 127 in t's low bits;
	// n = t - roundMagic; r = x - n*ln(2) in two parts (Cody and Waite); 2^n = t << 23
	VMOV V27.B16, V4.B16
	VMOV V27.B16, V5.B16
	VFMLA V19.S4, V2.S4, V4.S4
	VFMLA V19.S4, V3.S4, V5.S4
	WORD $0x4ebbd486 // fsub v6.4s, v4.4s, v27.4s
	WORD $0x4ebbd4a7 // fsub v7.4s, v5.4s, v27.4s
	VFMLS V6.S4, V20.S4, V2.S4
	VFMLS V7.S4, V20.S4, V3.S4
	VFMLS V6.S4, V21.S4, V2.S4
	VFMLS V7.S4, V21.S4, V3.S4
	VSHL $23, V4.S4, V4.S4
	VSHL $23, V5.S4, V5.S4
	// exp(r) = 1 + (r + r*r*P(r)), P = (C0 + C1*r) + r*r*((C2 + C3*r) + r*r*C4) (Estrin)
	WORD $0x6e22dc46 // fmul v6.4s, v2.4s, v2.4s
	WORD $0x6e23dc67 // fmul v7.4s, v3.4s, v3.4s
	VMOV V22.B16, V8.B16
	VMOV V22.B16, V9.B16
	VMOV V24.B16, V10.B16
	VMOV V24.B16, V11.B16
	VFMLA V23.S4, V2.S4, V8.S4
	VFMLA V23.S4, V3.S4, V9.S4
	VFMLA V25.S4, V2.S4, V10.S4
	VFMLA V25.S4, V3.S4, V11.S4
	VFMLA V26.S4, V6.S4, V10.S4
	VFMLA V26.S4, V7.S4, V11.S4
	VFMLA V10.S4, V6.S4, V8.S4
	VFMLA V11.S4, V7.S4, V9.S4
	VFMLA V8.S4, V6.S4, V2.S4
	VFMLA V9.S4, V7.S4, V3.S4
	WORD $0x4e30d44c // fadd v12.4s, v2.4s, v16.4s
	WORD $0x4e30d46d // fadd v13.4s, v3.4s, v16.4s
	// 1 + 2^n*exp(r), one rounding
	VMOV V16.B16, V14.B16
	VMOV V16.B16, V15.B16
	VFMLA V4.S4, V12.S4, V14.S4
	VFMLA V5.S4, V13.S4, V15.S4
	// h = z / (1 + exp(-z))
	WORD $0x6e2efc0e // fdiv v14.4s, v0.4s, v14.4s
	WORD $0x6e2ffc2f // fdiv v15.4s, v1.4s, v15.4s
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
	MOVW $0x3f318000, R5 // ln2Hi = 0.693359375, ln(2) rounded to 10 bits so n*ln2Hi is exact
	VDUP R5, V20.S4
	MOVW $0xb95e8083, R5 // ln2Lo = -2.12194440e-4 = ln(2) - ln2Hi
	VDUP R5, V21.S4
	MOVW $0x3efffffe, R5 // C0..C4: minimax fit of (e^r - 1 - r)/r^2 on |r| <= ln2/2 (silu_amd64.s)
	VDUP R5, V22.S4
	MOVW $0x3e2aaa49, R5
	VDUP R5, V23.S4
	MOVW $0x3d2aac79, R5
	VDUP R5, V24.S4
	MOVW $0x3c091cf1, R5
	VDUP R5, V25.S4
	MOVW $0x3ab5121a, R5
	VDUP R5, V26.S4
	MOVW $0x4b40007f, R5 // roundMagic = 1.5*2^23 + 127
	VDUP R5, V27.S4

siluGradLoop:
	VLD1.P 32(R0), [V0.S4, V1.S4]
	// x = -z clamped to [-87.33655, 89]
	WORD $0x6ea0f802 // fneg v2.4s, v0.4s
	WORD $0x6ea0f823 // fneg v3.4s, v1.4s
	WORD $0x4eb1f442 // fmin v2.4s, v2.4s, v17.4s
	WORD $0x4eb1f463 // fmin v3.4s, v3.4s, v17.4s
	WORD $0x4e32f442 // fmax v2.4s, v2.4s, v18.4s
	WORD $0x4e32f463 // fmax v3.4s, v3.4s, v18.4s
	// t = roundMagic + x*log2(e) rounds x*log2(e) to n, leaving n + 127 in t's low bits;
	// n = t - roundMagic; r = x - n*ln(2) in two parts (Cody and Waite); 2^n = t << 23
	VMOV V27.B16, V4.B16
	VMOV V27.B16, V5.B16
	VFMLA V19.S4, V2.S4, V4.S4
	VFMLA V19.S4, V3.S4, V5.S4
	WORD $0x4ebbd486 // fsub v6.4s, v4.4s, v27.4s
	WORD $0x4ebbd4a7 // fsub v7.4s, v5.4s, v27.4s
	VFMLS V6.S4, V20.S4, V2.S4
	VFMLS V7.S4, V20.S4, V3.S4
	VFMLS V6.S4, V21.S4, V2.S4
	VFMLS V7.S4, V21.S4, V3.S4
	VSHL $23, V4.S4, V4.S4
	VSHL $23, V5.S4, V5.S4
	// exp(r) = 1 + (r + r*r*P(r)), P = (C0 + C1*r) + r*r*((C2 + C3*r) + r*r*C4) (Estrin)
	WORD $0x6e22dc46 // fmul v6.4s, v2.4s, v2.4s
	WORD $0x6e23dc67 // fmul v7.4s, v3.4s, v3.4s
	VMOV V22.B16, V8.B16
	VMOV V22.B16, V9.B16
	VMOV V24.B16, V10.B16
	VMOV V24.B16, V11.B16
	VFMLA V23.S4, V2.S4, V8.S4
	VFMLA V23.S4, V3.S4, V9.S4
	VFMLA V25.S4, V2.S4, V10.S4
	VFMLA V25.S4, V3.S4, V11.S4
	VFMLA V26.S4, V6.S4, V10.S4
	VFMLA V26.S4, V7.S4, V11.S4
	VFMLA V10.S4, V6.S4, V8.S4
	VFMLA V11.S4, V7.S4, V9.S4
	VFMLA V8.S4, V6.S4, V2.S4
	VFMLA V9.S4, V7.S4, V3.S4
	WORD $0x4e30d44c // fadd v12.4s, v2.4s, v16.4s
	WORD $0x4e30d46d // fadd v13.4s, v3.4s, v16.4s
	// 1 + 2^n*exp(r), one rounding
	VMOV V16.B16, V14.B16
	VMOV V16.B16, V15.B16
	VFMLA V4.S4, V12.S4, V14.S4
	VFMLA V5.S4, V13.S4, V15.S4
	// s = 1 / (1 + exp(-z)); dz = dh * s*(1 + z*(1-s))
	WORD $0x6e2efe0e // fdiv v14.4s, v16.4s, v14.4s
	WORD $0x6e2ffe0f // fdiv v15.4s, v16.4s, v15.4s
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
