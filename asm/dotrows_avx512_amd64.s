//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// dotRowsAVX512: y[j] = alpha * dot(row j of W, x) (+ y[j]) for the rows of W, eight at a
// time, as dotRowsAVX2 does, but with 16 lanes a row.
//
// Each group of eight rows keeps one accumulator per row (Z0..Z7): a step of 16 values of x is
// one load of x and eight FMAs with the rows' values as memory operands. The last k%16 values
// go through FMAs under the opmask K1, which neither read past a row's end nor change the
// other lanes. Row j's sum is then formed from its 16 lanes l[0..15] as
//
//	s1[i] = l[i] + l[i+8] (i < 8), s2[i] = s1[i] + s1[i+4] (i < 4), s3[i] = s2[i] + s2[i+2],
//	sum = s3[0] + s3[1]
//
// for the eight rows together (REDUCE8: 128-bit lanes gathered by VSHUFF32X4, then 64- and
// 32-bit ones by VUNPCKLPD/VUNPCKHPD and VSHUFPS, one VPERMPS to put row j in lane j) and for
// a row left over (n%8) alone by halving the vector, so a row's result does not depend on its
// place among the others.
//
// Why eight rows and not 16: a row streams one 64-byte line a step, and rows 2 KiB apart
// (ldw = 512) fall into two of L1's 64 sets; 16 such streams overflow those sets' 24 ways and
// ran 1.4 times slower than avx2-fma's eight (512 x 512: 14 to 16 against 10 to 12 us),
// where eight streams fit. Sixteen rows load x as often per FMA as eight do (one load for the
// group's FMAs), so they saved only loop overhead.
//
// Registers: R9 and R11 rows 0 and 4 of the group (row 4g+i at (Bg)(i*ldw) with R10 = ldw and
// R13 = 3*ldw in bytes), SI x, DI y, CX steps left, BX groups or rows left, R8 the group's
// first row, K1 the mask of the last k%16 values, Z31 alpha, Z30 the permutation.

// ROWS8(OP) applies OP(address, accumulator) to the group's eight rows.
#define ROWS8(OP) \
	OP((R9), Z0)           \
	OP((R9)(R10*1), Z1)    \
	OP((R9)(R10*2), Z2)    \
	OP((R9)(R13*1), Z3)    \
	OP((R11), Z4)          \
	OP((R11)(R10*1), Z5)   \
	OP((R11)(R10*2), Z6)   \
	OP((R11)(R13*1), Z7)

#define FMA(addr, z) VFMADD231PS addr, Z16, z
#define FMATAIL(addr, z) VFMADD231PS addr, Z16, K1, z

// PAIR: s1 of rows a and b, [a.s1[0..7] b.s1[0..7]] in t.
#define PAIR(a, b, t) \
	VSHUFF32X4 $0x44, b, a, Z24      /* [a.L0 a.L1 b.L0 b.L1] (128-bit lanes) */ \
	VSHUFF32X4 $0xee, b, a, Z25      /* [a.L2 a.L3 b.L2 b.L3] */ \
	VADDPS     Z25, Z24, t

// QUAD: s2 of four rows from the pairs ab and cd, [a.s2 b.s2 c.s2 d.s2] in u.
#define QUAD(ab, cd, u) \
	VSHUFF32X4 $0x88, cd, ab, Z24    /* [a.s1[0..3] b.s1[0..3] c.s1[0..3] d.s1[0..3]] */ \
	VSHUFF32X4 $0xdd, cd, ab, Z25    /* [a.s1[4..7] b.s1[4..7] ...] */ \
	VADDPS     Z25, Z24, u

// REDUCE8: the eight rows' sums, row j in lane j of Y0. In between, 128-bit lane q of a
// QUAD's u holds row q of its four; after the 64-bit step lane q of Z20 holds s3 of rows q
// and 4+q, and after the 32-bit step lanes 4q and 4q+1 of Z22 the sums of rows q and 4+q.
#define REDUCE8 \
	PAIR(Z0, Z1, Z16)                \
	PAIR(Z2, Z3, Z17)                \
	PAIR(Z4, Z5, Z18)                \
	PAIR(Z6, Z7, Z19)                \
	QUAD(Z16, Z17, Z0)               /* rows 0..3 */ \
	QUAD(Z18, Z19, Z1)               /* rows 4..7 */ \
	VUNPCKLPD  Z1, Z0, Z24           /* s2[0..1] of rows q and 4+q */ \
	VUNPCKHPD  Z1, Z0, Z25           /* s2[2..3] */ \
	VADDPS     Z25, Z24, Z20         /* s3 of rows q, 4+q */ \
	VSHUFPS    $0x88, Z20, Z20, Z24  /* s3[0] of rows q, 4+q (twice) */ \
	VSHUFPS    $0xdd, Z20, Z20, Z25  /* s3[1] */ \
	VADDPS     Z25, Z24, Z22         /* the sums, row q in lane 4q, row 4+q in 4q+1 */ \
	VPERMPS    Z22, Z30, Z0          /* row j in lane j, j < 8 */

// func dotRowsAVX512(n, k int, alpha float32, w []float32, ldw int, x, y []float32, acc bool)
TEXT ·dotRowsAVX512(SB), NOSPLIT, $0-105
	MOVQ w_base+24(FP), R8
	MOVQ ldw+48(FP), R10
	SHLQ $2, R10                     // ldw in bytes
	LEAQ (R10)(R10*2), R13           // 3*ldw
	MOVQ y_base+80(FP), DI
	VBROADCASTSS alpha+16(FP), Z31
	VMOVUPS dotRowsPerm<>(SB), Z30
	MOVQ k+8(FP), AX
	ANDQ $15, AX                     // r = k%16 values under the mask
	LEAQ ·tailBits16(SB), DX
	KMOVW (DX)(AX*2), K1
	MOVQ n+0(FP), BX
	SHRQ $3, BX                      // groups of eight rows
	JZ   single

group:
	MOVQ R8, R9                      // row 0
	LEAQ (R8)(R10*4), R11            // row 4
	MOVQ x_base+56(FP), SI
	VPXORD Z0, Z0, Z0                // the sums start at zero
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	MOVQ k+8(FP), CX
	SHRQ $4, CX                      // steps of 16 values
	JZ   gtail
gloop:
	VMOVUPS (SI), Z16                // x[p:p+16]
	ROWS8(FMA)                       // row i: Z(i) += W[i][p:p+16] * x[p:p+16]
	ADDQ $64, SI
	ADDQ $64, R9
	ADDQ $64, R11
	DECQ CX
	JNZ  gloop
gtail:
	TESTQ $15, k+8(FP)
	JZ   greduce
	VMOVUPS.Z (SI), K1, Z16          // the last k%16 values of x, zeros beyond
	ROWS8(FMATAIL)                   // their products, in the lanes of K1 only
greduce:
	REDUCE8
	VMULPS Y31, Y0, Y0               // times alpha
	CMPB acc+104(FP), $0
	JEQ  gstore
	VADDPS (DI), Y0, Y0              // + y
gstore:
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	LEAQ (R8)(R10*8), R8             // the next eight rows
	DECQ BX
	JNZ  group

single:
	MOVQ n+0(FP), BX
	ANDQ $7, BX                      // rows left, one at a time
	JZ   done
row:
	MOVQ R8, R9
	MOVQ x_base+56(FP), SI
	VPXORD Z0, Z0, Z0
	MOVQ k+8(FP), CX
	SHRQ $4, CX
	JZ   rtail
rloop:
	VMOVUPS (SI), Z16
	VFMADD231PS (R9), Z16, Z0
	ADDQ $64, SI
	ADDQ $64, R9
	DECQ CX
	JNZ  rloop
rtail:
	TESTQ $15, k+8(FP)
	JZ   rreduce
	VMOVUPS.Z (SI), K1, Z16
	VFMADD231PS (R9), Z16, K1, Z0
rreduce:
	VEXTRACTF64X4 $1, Z0, Y1         // lanes 8..15
	VADDPS Y1, Y0, Y0                // s1
	VEXTRACTF128 $1, Y0, X1          // s1[4..7]
	VADDPS X1, X0, X0                // s2
	VMOVHLPS X0, X0, X1              // s2[2..3]
	VADDPS X1, X0, X0                // s3
	VMOVSHDUP X0, X1                 // s3[1]
	VADDSS X1, X0, X0                // the sum
	VMULSS X31, X0, X0               // times alpha
	CMPB acc+104(FP), $0
	JEQ  rstore
	VADDSS (DI), X0, X0              // + y
rstore:
	VMOVSS X0, (DI)
	ADDQ $4, DI
	ADDQ R10, R8                     // the next row
	DECQ BX
	JNZ  row

done:
	VZEROUPPER
	RET

// dotRowsPerm: lane j < 8 takes lane 4*(j%4) + j/4, where REDUCE8 leaves row j's sum (the
// upper eight lanes are not used).
DATA dotRowsPerm<>+0(SB)/4, $0
DATA dotRowsPerm<>+4(SB)/4, $4
DATA dotRowsPerm<>+8(SB)/4, $8
DATA dotRowsPerm<>+12(SB)/4, $12
DATA dotRowsPerm<>+16(SB)/4, $1
DATA dotRowsPerm<>+20(SB)/4, $5
DATA dotRowsPerm<>+24(SB)/4, $9
DATA dotRowsPerm<>+28(SB)/4, $13
DATA dotRowsPerm<>+32(SB)/4, $2
DATA dotRowsPerm<>+36(SB)/4, $6
DATA dotRowsPerm<>+40(SB)/4, $10
DATA dotRowsPerm<>+44(SB)/4, $14
DATA dotRowsPerm<>+48(SB)/4, $3
DATA dotRowsPerm<>+52(SB)/4, $7
DATA dotRowsPerm<>+56(SB)/4, $11
DATA dotRowsPerm<>+60(SB)/4, $15
GLOBL dotRowsPerm<>(SB), RODATA|NOPTR, $64
