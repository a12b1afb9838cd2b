//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// Packing full panels of 64 columns of B for the 6x64 kernel (see Set.PackB); the Go wrapper
// in kernels_avx512_amd64.go packs the last, partial panel with the Go set's code, and PackA's
// panels of six rows are the avx2-fma set's (pack_amd64.s). Each function takes the number of
// full panels and the depth k, and stores panel q at dst + q*64*k values.

// func packDown64(dst, b []float32, ldb, panels, k int)
// For each panel q and step p: dst[(q*k+p)*64 : +64] = b[p*ldb+64q : +64].
//
// As packDown16, the source is walked row by row, each row along all the panels (one stream
// for the hardware prefetchers, and the same columns four rows ahead prefetched), and each
// row's 64 values per panel, four zmm loads and stores, go to that panel's step p.
TEXT ·packDown64(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI          // DI = step p of panel 0
	MOVQ b_base+24(FP), SI           // SI = row p
	MOVQ ldb+48(FP), R10
	SHLQ $2, R10                     // ldb in bytes
	MOVQ k+64(FP), CX
	MOVQ CX, R12
	SHLQ $8, R12                     // R12 = a panel's size in bytes, 256*k
	TESTQ CX, CX
	JZ   d64done
	CMPQ panels+56(FP), $0
	JEQ  d64done
d64row:
	MOVQ SI, R8                      // R8 walks row p
	MOVQ DI, DX                      // DX walks step p of each panel
	MOVQ panels+56(FP), R11
d64panel:
	PREFETCHT0 (R8)(R10*4)           // the same columns four rows on
	PREFETCHT0 64(R8)(R10*4)
	PREFETCHT0 128(R8)(R10*4)
	PREFETCHT0 192(R8)(R10*4)
	VMOVUPS (R8), Z0                 // the panel's 64 values of row p
	VMOVUPS 64(R8), Z1
	VMOVUPS 128(R8), Z2
	VMOVUPS 192(R8), Z3
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	VMOVUPS Z2, 128(DX)
	VMOVUPS Z3, 192(DX)
	ADDQ $256, R8                    // the next 64 columns
	ADDQ R12, DX                     // the next panel
	DECQ R11
	JNZ  d64panel
	ADDQ R10, SI                     // row p+1
	ADDQ $256, DI                    // step p+1
	DECQ CX
	JNZ  d64row
d64done:
	VZEROUPPER
	RET

// LOAD16 loads 16 steps of the group's 16 rows of B^T into Z0..Z15, row 4g+i at (Bg)(i*ldb)
// with R10 = ldb and R13 = 3*ldb in bytes; LOAD16MASKED loads the steps that K1 selects and
// zeros the others, reading nothing past them.
#define LOAD16 \
	VMOVUPS (R11), Z0                \
	VMOVUPS (R11)(R10*1), Z1         \
	VMOVUPS (R11)(R10*2), Z2         \
	VMOVUPS (R11)(R13*1), Z3         \
	VMOVUPS (R12), Z4                \
	VMOVUPS (R12)(R10*1), Z5         \
	VMOVUPS (R12)(R10*2), Z6         \
	VMOVUPS (R12)(R13*1), Z7         \
	VMOVUPS (R14), Z8                \
	VMOVUPS (R14)(R10*1), Z9         \
	VMOVUPS (R14)(R10*2), Z10        \
	VMOVUPS (R14)(R13*1), Z11        \
	VMOVUPS (R15), Z12               \
	VMOVUPS (R15)(R10*1), Z13        \
	VMOVUPS (R15)(R10*2), Z14        \
	VMOVUPS (R15)(R13*1), Z15

#define LOAD16MASKED \
	VMOVUPS.Z (R11), K1, Z0          \
	VMOVUPS.Z (R11)(R10*1), K1, Z1   \
	VMOVUPS.Z (R11)(R10*2), K1, Z2   \
	VMOVUPS.Z (R11)(R13*1), K1, Z3   \
	VMOVUPS.Z (R12), K1, Z4          \
	VMOVUPS.Z (R12)(R10*1), K1, Z5   \
	VMOVUPS.Z (R12)(R10*2), K1, Z6   \
	VMOVUPS.Z (R12)(R13*1), K1, Z7   \
	VMOVUPS.Z (R14), K1, Z8          \
	VMOVUPS.Z (R14)(R10*1), K1, Z9   \
	VMOVUPS.Z (R14)(R10*2), K1, Z10  \
	VMOVUPS.Z (R14)(R13*1), K1, Z11  \
	VMOVUPS.Z (R15), K1, Z12         \
	VMOVUPS.Z (R15)(R10*1), K1, Z13  \
	VMOVUPS.Z (R15)(R10*2), K1, Z14  \
	VMOVUPS.Z (R15)(R13*1), K1, Z15

// PAIRS: 2x2 transposes of 32-bit values within each 128-bit lane. For rows a = Z(2i) and
// b = Z(2i+1), Z(16+2i) = [a0 b0 a1 b1] and Z(17+2i) = [a2 b2 a3 b3] in each lane.
#define PAIRS(a, b, lo, hi) \
	VUNPCKLPS b, a, lo               \
	VUNPCKHPS b, a, hi

// QUADS: 4x4 transposes within each 128-bit lane, from the pairs of rows 4g, 4g+1 (p01lo,
// p01hi) and 4g+2, 4g+3 (p23lo, p23hi): s0 holds in lane L the four rows' values at step
// 4L, s1 at 4L+1, s2 at 4L+2, s3 at 4L+3.
#define QUADS(p01lo, p01hi, p23lo, p23hi, s0, s1, s2, s3) \
	VUNPCKLPD p23lo, p01lo, s0       \
	VUNPCKHPD p23lo, p01lo, s1       \
	VUNPCKLPD p23hi, p01hi, s2       \
	VUNPCKHPD p23hi, p01hi, s3

// LANES: the 4x4 transpose of 128-bit lanes among the groups' registers u0..u3 of one column c
// (u_g's lane L holds rows 4g..4g+3 at step 4L+c): o0..o3 then hold all 16 rows at the steps
// c, 4+c, 8+c and 12+c. t0..t3 are scratch.
#define LANES(u0, u1, u2, u3, t0, t1, t2, t3, o0, o1, o2, o3) \
	VSHUFF32X4 $0x44, u1, u0, t0     /* [u0.L0 u0.L1 u1.L0 u1.L1] */ \
	VSHUFF32X4 $0xee, u1, u0, t1     /* [u0.L2 u0.L3 u1.L2 u1.L3] */ \
	VSHUFF32X4 $0x44, u3, u2, t2     \
	VSHUFF32X4 $0xee, u3, u2, t3     \
	VSHUFF32X4 $0x88, t2, t0, o0     /* [u0.L0 u1.L0 u2.L0 u3.L0]: step c */ \
	VSHUFF32X4 $0xdd, t2, t0, o1     /* lanes 1: step 4+c */ \
	VSHUFF32X4 $0x88, t3, t1, o2     /* step 8+c */ \
	VSHUFF32X4 $0xdd, t3, t1, o3     /* step 12+c */

// TRANSPOSE16 turns Z0..Z15, 16 steps of 16 rows, into 16 steps of the 16 rows: step s ends
// in Z(16+s) (steps 0..15 in Z16..Z31), through Z16..Z31 and Z0..Z15 as scratch.
#define TRANSPOSE16 \
	PAIRS(Z0, Z1, Z16, Z17)          \
	PAIRS(Z2, Z3, Z18, Z19)          \
	PAIRS(Z4, Z5, Z20, Z21)          \
	PAIRS(Z6, Z7, Z22, Z23)          \
	PAIRS(Z8, Z9, Z24, Z25)          \
	PAIRS(Z10, Z11, Z26, Z27)        \
	PAIRS(Z12, Z13, Z28, Z29)        \
	PAIRS(Z14, Z15, Z30, Z31)        \
	QUADS(Z16, Z17, Z18, Z19, Z0, Z1, Z2, Z3)     /* rows 0..3: columns c = 0..3 */ \
	QUADS(Z20, Z21, Z22, Z23, Z4, Z5, Z6, Z7)     /* rows 4..7 */ \
	QUADS(Z24, Z25, Z26, Z27, Z8, Z9, Z10, Z11)   /* rows 8..11 */ \
	QUADS(Z28, Z29, Z30, Z31, Z12, Z13, Z14, Z15) /* rows 12..15 */ \
	LANES(Z0, Z4, Z8, Z12, Z16, Z17, Z18, Z19, Z20, Z24, Z28, Z0)   /* c = 0: steps 0, 4, 8, 12 */ \
	LANES(Z1, Z5, Z9, Z13, Z16, Z17, Z18, Z19, Z21, Z25, Z29, Z1)   /* c = 1 */ \
	LANES(Z2, Z6, Z10, Z14, Z16, Z17, Z18, Z19, Z22, Z26, Z30, Z2)  /* c = 2 */ \
	LANES(Z3, Z7, Z11, Z15, Z16, Z17, Z18, Z19, Z23, Z27, Z31, Z3)  /* c = 3 */

// STORE16 stores the 16 steps TRANSPOSE16 leaves, step s at base + s*stride bytes: steps 0..11
// are in Z20..Z31, steps 12..15 in Z0..Z3.
#define STORE16(base, stride) \
	VMOVUPS Z20, (base)              \
	VMOVUPS Z21, 1*stride(base)    \
	VMOVUPS Z22, 2*stride(base)    \
	VMOVUPS Z23, 3*stride(base)    \
	VMOVUPS Z24, 4*stride(base)    \
	VMOVUPS Z25, 5*stride(base)    \
	VMOVUPS Z26, 6*stride(base)    \
	VMOVUPS Z27, 7*stride(base)    \
	VMOVUPS Z28, 8*stride(base)    \
	VMOVUPS Z29, 9*stride(base)    \
	VMOVUPS Z30, 10*stride(base)   \
	VMOVUPS Z31, 11*stride(base)   \
	VMOVUPS Z0, 12*stride(base)    \
	VMOVUPS Z1, 13*stride(base)    \
	VMOVUPS Z2, 14*stride(base)    \
	VMOVUPS Z3, 15*stride(base)

// func packAcross64(dst, b []float32, ldb, panels, k int)
// For each panel q, step p and j < 64: dst[(q*k+p)*64+j] = b[(64q+j)*ldb+p].
//
// A panel is four groups of 16 rows of B^T. Each group is read 16 steps at a time, one zmm
// load a row (a 64-byte line), and turned by a 16x16 transpose (TRANSPOSE16: 2x2 and 4x4
// transposes within 128-bit lanes, then one of the lanes) into 16 vectors, one per step, each
// stored as the group's 64 bytes of that step. The last k%16 steps are loaded under the mask
// K1, transposed into the 1 KiB on the stack and copied from there one step at a time, so no
// value past a row's end is read and no step past the panel's end written.
//
// Registers: DI panel q of dst, SI row 0 of panel q, R8 row 0 of the group, AX the group's
// first step in dst, DX the current step in dst, R11/R12/R14/R15 rows 0, 4, 8 and 12 of the
// group at the current step, R10 ldb and R13 3*ldb in bytes, CX steps left, BX groups left,
// R9 panels left.
//
// The 1 KiB frame is more than a NOSPLIT function may take, so this one checks its stack as a
// Go function does.
TEXT ·packAcross64(SB), 0, $1024-72
	MOVQ panels+56(FP), R9
	TESTQ R9, R9
	JZ   a64done
	CMPQ k+64(FP), $0
	JEQ  a64done
	MOVQ dst_base+0(FP), DI
	MOVQ b_base+24(FP), SI
	MOVQ ldb+48(FP), R10
	SHLQ $2, R10                     // ldb in bytes
	LEAQ (R10)(R10*2), R13           // 3*ldb
	MOVQ k+64(FP), CX
	ANDQ $15, CX                     // the last chunk's steps: mask K1 = 2^(k%16) - 1
	LEAQ ·tailBits16(SB), AX
	KMOVW (AX)(CX*2), K1
a64panel:
	MOVQ SI, R8                      // group 0: rows 0..15 of the panel
	MOVQ DI, AX
	MOVQ $4, BX
a64group:
	MOVQ R8, R11                     // row 0 of the group
	LEAQ (R8)(R10*4), R12            // row 4
	LEAQ (R12)(R10*4), R14           // row 8
	LEAQ (R14)(R10*4), R15           // row 12
	MOVQ AX, DX
	MOVQ k+64(FP), CX
	SUBQ $16, CX
	JL   a64tail
a64chunk:
	LOAD16
	TRANSPOSE16
	STORE16(DX, 256)
	ADDQ $64, R11                    // the next 16 steps of the rows
	ADDQ $64, R12
	ADDQ $64, R14
	ADDQ $64, R15
	ADDQ $4096, DX                   // and of dst, 16 steps of 256 bytes
	SUBQ $16, CX
	JGE  a64chunk
a64tail:
	ADDQ $16, CX                     // CX = k%16 steps left
	JZ   a64next
	LOAD16MASKED
	TRANSPOSE16
	LEAQ buf-1024(SP), R11           // the steps on the stack, 64 bytes apart
	STORE16(R11, 64)
a64copy:
	VMOVUPS (R11), Z0                // step s of the group
	VMOVUPS Z0, (DX)
	ADDQ $64, R11
	ADDQ $256, DX
	DECQ CX
	JNZ  a64copy
a64next:
	ADDQ $64, AX                     // the next group's 16 values of a step
	LEAQ (R8)(R10*8), R8
	LEAQ (R8)(R10*8), R8             // 16 rows down
	DECQ BX
	JNZ  a64group
	MOVQ ldb+48(FP), AX
	SHLQ $8, AX
	ADDQ AX, SI                      // the next panel's rows, 64 rows down
	MOVQ k+64(FP), AX
	SHLQ $8, AX
	ADDQ AX, DI                      // and its place in dst, 64*k values on
	DECQ R9
	JNZ  a64panel
a64done:
	VZEROUPPER
	RET
