//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"
#include "silu_avx512_amd64.h"

// blockAVX512: a 6x64 single-precision kernel for AVX-512, run over a whole block of tiles
// per call and reading A and B through strides (see Set.Block), as blockAVX2 does with 6x16.
//
// In the k loop Z0..Z23 hold the 6x64 tile of C, row i in Z(4i)..Z(4i+3) (columns 0..15,
// 16..31, 32..47, 48..63). Each step p loads B's row p into Z24..Z27, broadcasts A's six
// values of column p in turn into Z28 and Z29, and does 24 FMAs: 24 accumulators, 4 B vectors
// and 2 broadcasts of the 32 zmm registers. Two FMA ports at 4 cycles of latency need 8
// independent chains; 24 leave slack. A step loads 256 bytes of B and 24 of A for 768 flops.
//
// Why 6x64: AVX-512 has 32 registers, and the tiles that keep 24 or more accumulators with
// room for B and a broadcast are 6x64 (24 sums, 10 loads a step), 8x48 (24, 11), 12x32 (24,
// 14) and 14x32 (28, 16); 28x16 (29 loads for 28 FMAs) would be bound by the loads. All four
// were generated from one throwaway template and measured on a Zen 5 EPYC (family 26, which runs
// 512-bit FMAs at full width: a register-only loop does 222 GFLOP/s on zmm, 111 on ymm) on
// 2026-12-06, its 2 vCPUs shared with other jobs (load average 3 to 12), fastest of 3 runs:
//
//   - Alone, in L1 (one packed B panel, 32 packed A panels, k = 384: BenchmarkBlock's set-up),
//     14x32 223, 12x32 221, 6x64 217 and 8x48 212 GFLOP/s: the kernel does not choose.
//     Broadcasting A from memory inside the FMA (VFMADD231PS.BCST) instead of one VBROADCASTSS
//     per row cost 10 to 15% (186 to 196): twice the loads, which then bind.
//   - In mat.Gemm, one thread, kc = 512: 4096x512x512 NT ran at 188 (6x64), 193 (12x32) and
//     186 (14x32), NN at 192, 185 and 182, within the noise of one another; 256x64x64
//     NT/NN/TN at 186/211/190, 179/203/172 and 174/202/172. The difference is the padding: 64
//     rows are 11 tiles of 6 (66 rows computed), 6 of 12 (72) or 5 of 14 (70). 8x48 was left
//     out of this round because 48 divides none of 64, 128 and 512.
//
// 6x64 also needs only two pointers for A's rows, as 6x16 does, and has the avx2-fma tile's MR,
// so that mat can hand the columns left of a block to the 6x16 kernel (mat's tunings).

// A's six rows are read at (SI), (SI)(R10*1), (SI)(R10*2), (R11), (R11)(R10*1) and
// (R11)(R10*2), with R10 = rsa and R11 = SI + 3*rsa; each step adds csa to SI and R11 and
// rsb to DI, so the same loop reads packed panels and matrices in place.
//
// The order of the tiles, as in blockAVX2: row of tiles by row of tiles when B's block is
// small (k*nt*256 bytes in 32 KiB: the input layer, k = 3), so that C is written in order,
// otherwise column of tiles by column of tiles, one panel of B kept near while the panels of
// A stream past it (BLIS's order). One loop runs both: it walks a line of tiles by adding the
// strides dA, dB, dC to the tile's A, B and C, and the next line by the strides eA, eB, eC,
// all kept on the stack.
//
// General registers:
//	AX  A: the tile's panel of six rows       BX  B: the tile's panel of 64 columns
//	DX  C: the tile                           R14 tiles left in the line
//	SI  A: row 0 at step p                    R11 A: row 3 at step p
//	DI  B: row p of the panel                 CX  k steps left (minus 4 in the unrolled loop)
//	R10 rsa in bytes   R12 csa in bytes       R13 rsb in bytes      R8 ldc in bytes
//	R9, R15 scratch

// ROW0 starts row i's sums with step 0: Z = A[i][0] * B[0][...], the value an FMA onto zero
// gives but for the sign of a zero product, which saves 24 zeroing instructions (a tenth of a
// tile's work at k = 3).
#define ROW0(addr, t, c0, c1, c2, c3) \
	VBROADCASTSS addr, t            /* t = A[i][p] in every lane */ \
	VMULPS       Z24, t, c0         /* C[i][0..15] = A[i][p] * B[p][0..15] */ \
	VMULPS       Z25, t, c1         /* C[i][16..31] */ \
	VMULPS       Z26, t, c2         /* C[i][32..47] */ \
	VMULPS       Z27, t, c3         /* C[i][48..63] */

// ROW adds row i's products of step p: C[i][j] += A[i][p] * B[p][j] for the 64 columns.
#define ROW(addr, t, c0, c1, c2, c3) \
	VBROADCASTSS addr, t            /* t = A[i][p] in every lane */ \
	VFMADD231PS  Z24, t, c0         /* C[i][0..15] += A[i][p] * B[p][0..15] */ \
	VFMADD231PS  Z25, t, c1         /* C[i][16..31] */ \
	VFMADD231PS  Z26, t, c2         /* C[i][32..47] */ \
	VFMADD231PS  Z27, t, c3         /* C[i][48..63] */

// LOADB loads B's row p, 64 values, into Z24..Z27.
#define LOADB \
	VMOVUPS      (DI), Z24          \
	VMOVUPS      64(DI), Z25        \
	VMOVUPS      128(DI), Z26       \
	VMOVUPS      192(DI), Z27

// NEXT moves A and B on to step p+1.
#define NEXT \
	ADDQ         R12, SI            /* A: the next column */ \
	ADDQ         R12, R11           \
	ADDQ         R13, DI            /* B: the next row */

// FIRST is step 0, STEP any other: B's row, then A's six rows in turn, two broadcast
// registers alternating so that a row's broadcast need not wait for the previous row's FMAs.
#define FIRST \
	LOADB                                               \
	ROW0((SI), Z28, Z0, Z1, Z2, Z3)                     \
	ROW0((SI)(R10*1), Z29, Z4, Z5, Z6, Z7)              \
	ROW0((SI)(R10*2), Z28, Z8, Z9, Z10, Z11)            \
	ROW0((R11), Z29, Z12, Z13, Z14, Z15)                \
	ROW0((R11)(R10*1), Z28, Z16, Z17, Z18, Z19)         \
	ROW0((R11)(R10*2), Z29, Z20, Z21, Z22, Z23)         \
	NEXT

#define STEP \
	LOADB                                               \
	ROW((SI), Z28, Z0, Z1, Z2, Z3)                      \
	ROW((SI)(R10*1), Z29, Z4, Z5, Z6, Z7)               \
	ROW((SI)(R10*2), Z28, Z8, Z9, Z10, Z11)             \
	ROW((R11), Z29, Z12, Z13, Z14, Z15)                 \
	ROW((R11)(R10*1), Z28, Z16, Z17, Z18, Z19)          \
	ROW((R11)(R10*2), Z29, Z20, Z21, Z22, Z23)          \
	NEXT

// ADDSTORE adds row i of C at addr to its sums and stores them; STORE stores them alone.
#define ADDSTORE(addr, c0, c1, c2, c3) \
	VADDPS       addr, c0, c0       \
	VADDPS       64 addr, c1, c1    \
	VADDPS       128 addr, c2, c2   \
	VADDPS       192 addr, c3, c3   \
	VMOVUPS      c0, addr           \
	VMOVUPS      c1, 64 addr        \
	VMOVUPS      c2, 128 addr       \
	VMOVUPS      c3, 192 addr

#define STORE(addr, c0, c1, c2, c3) \
	VMOVUPS      c0, addr           \
	VMOVUPS      c1, 64 addr        \
	VMOVUPS      c2, 128 addr       \
	VMOVUPS      c3, 192 addr

// PREFETCHROW pulls row i of the tile of C towards L1 while the k loop runs, when the sums
// are to be added to C: its 256 bytes span four or five cache lines. It gained 2 to 3% on
// 4092x64x512 and 1020x512x512 into C (208 against 204, 220 against 215 GFLOP/s), where C
// comes from L2 and L3; when C is only written (acc false), it cost as much on the input layer
// (k = 3: 1020x3x128 at 151 against 160, 252x3x64 at 144 against 151), so it is left out then.
// Prefetching B's rows eight steps ahead in the loop changed nothing measurable.
#define PREFETCHROW(addr) \
	PREFETCHT0   addr               \
	PREFETCHT0   64 addr            \
	PREFETCHT0   128 addr           \
	PREFETCHT0   192 addr           \
	PREFETCHT0   252 addr

// BIASROW adds the tile's 64 biases at (R10) to row i's sums.
#define BIASROW(c0, c1, c2, c3) \
	VADDPS       (R10), c0, c0      \
	VADDPS       64(R10), c1, c1    \
	VADDPS       128(R10), c2, c2   \
	VADDPS       192(R10), c3, c3

// SILU32 writes h = silu(z) for the 32 values of z at off(SI) into off(DI): biasSiLUAVX512's
// loop body without the bias (the epilogue added it), so the bits are that pass's.
#define SILU32(off) \
	VMOVUPS      off(SI), Z0        \
	VMOVUPS      off+64(SI), Z6     \
	FWD_REDUCE(Z0, Z1, Z2, Z3)      \
	FWD_REDUCE(Z6, Z7, Z8, Z9)      \
	FWD_DENOM(Z1, Z2, Z3, Z4, Z5)   \
	FWD_DENOM(Z7, Z8, Z9, Z10, Z11) \
	VDIVPS       Z5, Z0, Z5         \
	VDIVPS       Z11, Z6, Z11       \
	VMOVUPS      Z5, off(DI)        \
	VMOVUPS      Z11, off+64(DI)

// RELUROW writes h = max(0, z) for row i's sums into the row at addr, VMAXPS with z as its
// second source as in biasReLUAVX512 (NaN passes through).
#define RELUROW(addr, c0, c1, c2, c3) \
	VMAXPS       c0, Z24, c0        \
	VMAXPS       c1, Z24, c1        \
	VMAXPS       c2, Z24, c2        \
	VMAXPS       c3, Z24, c3        \
	STORE(addr, c0, c1, c2, c3)

// func blockAVX512(mt, nt, k int, alpha float32, a []float32, psa, rsa, csa int, b []float32, psb, rsb int, c []float32, ldc int, acc bool, bias, h []float32, ldh, act int)
//
// With bias not nil (acc is then false), the epilogue: each tile's sums (times alpha) plus the
// biases of its 64 columns, bias[0..63] for the block's first column of tiles, are stored into
// C; then, when act is 1 (SiLU) or 2 (ReLU), the activation of those values into H, element
// (i, j) at h[i*ldh + j], which may be C itself. SiLU reads the tile's rows back from C (in L1:
// its 14 constants and scratch need the registers the sums held); ReLU writes from registers.
TEXT ·blockAVX512(SB), NOSPLIT, $144-224
	// The stack: the current line's first tile (aline, bline, cline, hline, sline), the lines
	// left, the strides along a line (dA, dB, dC, dH, dS) and from line to line (eA, eB, eC,
	// eH, eS), in bytes, and the current tile's H and bias (ht, st): the H and bias pointers
	// walk as C and B do, the bias 256 bytes a column of tiles.
	MOVQ mt+0(FP), R9
	MOVQ nt+8(FP), R14
	TESTQ R9, R9
	JZ   done                        // no tiles
	TESTQ R14, R14
	JZ   done
	MOVQ a_base+32(FP), AX
	MOVQ AX, aline-144(SP)
	MOVQ b_base+80(FP), BX
	MOVQ BX, bline-136(SP)
	MOVQ c_base+120(FP), DX
	MOVQ DX, cline-128(SP)
	MOVQ ldc+144(FP), R8
	SHLQ $2, R8                      // ldc in bytes
	MOVQ psa+56(FP), R10
	SHLQ $2, R10                     // the next panel of A, in bytes
	MOVQ psb+104(FP), R12
	SHLQ $2, R12                     // the next panel of B
	LEAQ (R8)(R8*2), R13
	SHLQ $1, R13                     // the tile six rows down: 6*ldc*4 bytes
	MOVQ h_base+184(FP), R15
	MOVQ R15, hline-64(SP)
	MOVQ bias_base+160(FP), R15
	MOVQ R15, sline-40(SP)
	MOVQ ldh+208(FP), R11
	LEAQ (R11)(R11*2), R11
	SHLQ $3, R11                     // R11 = the tile six rows down in H: 6*ldh*4 bytes
	XORQ R15, R15
	MOVQ k+16(FP), CX
	IMULQ R14, CX
	CMPQ CX, $128                    // k*nt*256 bytes of B in 32 KiB: row by row
	JLE  rows
	// Column of tiles by column of tiles: down a column A and C move, then B and C move right.
	MOVQ R10, da-112(SP)
	MOVQ R15, db-104(SP)
	MOVQ R13, dc-96(SP)
	MOVQ R15, ea-88(SP)
	MOVQ R12, eb-80(SP)
	MOVQ $256, eC-72(SP)              // the next column of tiles, 64 values right
	MOVQ R11, dH-56(SP)
	MOVQ $256, eH-48(SP)
	MOVQ R15, dS-32(SP)
	MOVQ $256, eS-24(SP)
	MOVQ R14, lines-120(SP)           // nt columns of mt tiles
	JMP  line
rows:
	// Row of tiles by row of tiles: along a row B and C move, then A and C move down.
	MOVQ R15, da-112(SP)
	MOVQ R12, db-104(SP)
	MOVQ $256, dc-96(SP)
	MOVQ R10, ea-88(SP)
	MOVQ R15, eb-80(SP)
	MOVQ R13, eC-72(SP)
	MOVQ $256, dH-56(SP)
	MOVQ R11, eH-48(SP)
	MOVQ $256, dS-32(SP)
	MOVQ R15, eS-24(SP)
	MOVQ R9, lines-120(SP)            // mt rows of nt tiles
	MOVQ R14, R9

line:
	MOVQ aline-144(SP), AX
	MOVQ bline-136(SP), BX
	MOVQ cline-128(SP), DX
	MOVQ hline-64(SP), R15
	MOVQ R15, ht-16(SP)
	MOVQ sline-40(SP), R15
	MOVQ R15, st-8(SP)
	MOVQ R9, R14                     // the tiles of a line: mt or nt

tile:
	LEAQ         (DX)(R8*2), R15
	ADDQ         R8, R15                     // R15 = row 3 of the tile of C
	CMPB         acc+152(FP), $0             // C is only written: no prefetch
	JEQ          kstart
	PREFETCHROW((DX))
	PREFETCHROW((DX)(R8*1))
	PREFETCHROW((DX)(R8*2))
	PREFETCHROW((R15))
	PREFETCHROW((R15)(R8*1))
	PREFETCHROW((R15)(R8*2))
kstart:
	MOVQ         rsa+64(FP), R10
	SHLQ         $2, R10                     // rsa in bytes
	MOVQ         csa+72(FP), R12
	SHLQ         $2, R12                     // csa in bytes
	MOVQ         rsb+112(FP), R13
	SHLQ         $2, R13                     // rsb in bytes
	MOVQ         AX, SI                      // A row 0
	LEAQ         (AX)(R10*2), R11
	ADDQ         R10, R11                    // A row 3
	MOVQ         BX, DI                      // B row 0
	MOVQ         k+16(FP), CX
	TESTQ        CX, CX
	JZ           kzero                       // no steps: the sums are zero
	FIRST
	SUBQ         $5, CX                      // CX = k - 1 - 4: four steps a round while CX >= 0
	JL           ktail
kloop4:
	STEP
	STEP
	STEP
	STEP
	SUBQ         $4, CX
	JGE          kloop4
ktail:
	ADDQ         $4, CX                      // CX = (k-1) % 4 steps left
	JZ           scale
kloop1:
	STEP
	DECQ         CX
	JNZ          kloop1
	JMP          scale
kzero:
	VPXORD       Z0, Z0, Z0
	VPXORD       Z1, Z1, Z1
	VPXORD       Z2, Z2, Z2
	VPXORD       Z3, Z3, Z3
	VPXORD       Z4, Z4, Z4
	VPXORD       Z5, Z5, Z5
	VPXORD       Z6, Z6, Z6
	VPXORD       Z7, Z7, Z7
	VPXORD       Z8, Z8, Z8
	VPXORD       Z9, Z9, Z9
	VPXORD       Z10, Z10, Z10
	VPXORD       Z11, Z11, Z11
	VPXORD       Z12, Z12, Z12
	VPXORD       Z13, Z13, Z13
	VPXORD       Z14, Z14, Z14
	VPXORD       Z15, Z15, Z15
	VPXORD       Z16, Z16, Z16
	VPXORD       Z17, Z17, Z17
	VPXORD       Z18, Z18, Z18
	VPXORD       Z19, Z19, Z19
	VPXORD       Z20, Z20, Z20
	VPXORD       Z21, Z21, Z21
	VPXORD       Z22, Z22, Z22
	VPXORD       Z23, Z23, Z23
scale:
	CMPL         alpha+24(FP), $0x3f800000   // alpha == 1: the sums are the result
	JEQ          store
	VBROADCASTSS alpha+24(FP), Z24           // Z24 = alpha in every lane
	VMULPS       Z24, Z0, Z0                 // the sums times alpha
	VMULPS       Z24, Z1, Z1
	VMULPS       Z24, Z2, Z2
	VMULPS       Z24, Z3, Z3
	VMULPS       Z24, Z4, Z4
	VMULPS       Z24, Z5, Z5
	VMULPS       Z24, Z6, Z6
	VMULPS       Z24, Z7, Z7
	VMULPS       Z24, Z8, Z8
	VMULPS       Z24, Z9, Z9
	VMULPS       Z24, Z10, Z10
	VMULPS       Z24, Z11, Z11
	VMULPS       Z24, Z12, Z12
	VMULPS       Z24, Z13, Z13
	VMULPS       Z24, Z14, Z14
	VMULPS       Z24, Z15, Z15
	VMULPS       Z24, Z16, Z16
	VMULPS       Z24, Z17, Z17
	VMULPS       Z24, Z18, Z18
	VMULPS       Z24, Z19, Z19
	VMULPS       Z24, Z20, Z20
	VMULPS       Z24, Z21, Z21
	VMULPS       Z24, Z22, Z22
	VMULPS       Z24, Z23, Z23
store:
	CMPB         acc+152(FP), $0             // acc false: overwrite C without reading it
	JEQ          overwrite
	ADDSTORE((DX), Z0, Z1, Z2, Z3)
	ADDSTORE((DX)(R8*1), Z4, Z5, Z6, Z7)
	ADDSTORE((DX)(R8*2), Z8, Z9, Z10, Z11)
	ADDSTORE((R15), Z12, Z13, Z14, Z15)
	ADDSTORE((R15)(R8*1), Z16, Z17, Z18, Z19)
	ADDSTORE((R15)(R8*2), Z20, Z21, Z22, Z23)
	JMP          next
overwrite:
	MOVQ         bias_base+160(FP), R10      // no biases: C is the sums
	TESTQ        R10, R10
	JZ           plain
	MOVQ         st-8(SP), R10               // the tile's biases
	BIASROW(Z0, Z1, Z2, Z3)
	BIASROW(Z4, Z5, Z6, Z7)
	BIASROW(Z8, Z9, Z10, Z11)
	BIASROW(Z12, Z13, Z14, Z15)
	BIASROW(Z16, Z17, Z18, Z19)
	BIASROW(Z20, Z21, Z22, Z23)
plain:
	STORE((DX), Z0, Z1, Z2, Z3)
	STORE((DX)(R8*1), Z4, Z5, Z6, Z7)
	STORE((DX)(R8*2), Z8, Z9, Z10, Z11)
	STORE((R15), Z12, Z13, Z14, Z15)
	STORE((R15)(R8*1), Z16, Z17, Z18, Z19)
	STORE((R15)(R8*2), Z20, Z21, Z22, Z23)
	MOVQ         act+216(FP), R10
	TESTQ        R10, R10
	JZ           next                        // no activation
	MOVQ         ldh+208(FP), R12
	SHLQ         $2, R12                     // ldh in bytes
	MOVQ         ht-16(SP), DI               // H: row 0 of the tile
	CMPQ         R10, $2
	JEQ          relu
	SILU_CONSTS
	MOVQ         DX, SI                      // C: row 0 of the tile
	MOVQ         $6, CX
silurow:
	SILU32(0)
	SILU32(128)
	ADDQ         R8, SI                      // the next row of C and of H
	ADDQ         R12, DI
	DECQ         CX
	JNZ          silurow
	JMP          next
relu:
	VPXORD       Z24, Z24, Z24               // Z24 = 0
	LEAQ         (DI)(R12*2), R11
	ADDQ         R12, R11                    // R11 = row 3 of the tile of H
	RELUROW((DI), Z0, Z1, Z2, Z3)
	RELUROW((DI)(R12*1), Z4, Z5, Z6, Z7)
	RELUROW((DI)(R12*2), Z8, Z9, Z10, Z11)
	RELUROW((R11), Z12, Z13, Z14, Z15)
	RELUROW((R11)(R12*1), Z16, Z17, Z18, Z19)
	RELUROW((R11)(R12*2), Z20, Z21, Z22, Z23)
next:
	ADDQ da-112(SP), AX               // the next tile of the line
	ADDQ db-104(SP), BX
	ADDQ dc-96(SP), DX
	MOVQ ht-16(SP), R15
	ADDQ dH-56(SP), R15
	MOVQ R15, ht-16(SP)
	MOVQ st-8(SP), R15
	ADDQ dS-32(SP), R15
	MOVQ R15, st-8(SP)
	DECQ R14
	JNZ  tile
	MOVQ aline-144(SP), AX            // the first tile of the next line
	ADDQ ea-88(SP), AX
	MOVQ AX, aline-144(SP)
	MOVQ bline-136(SP), BX
	ADDQ eb-80(SP), BX
	MOVQ BX, bline-136(SP)
	MOVQ cline-128(SP), DX
	ADDQ eC-72(SP), DX
	MOVQ DX, cline-128(SP)
	MOVQ hline-64(SP), R15
	ADDQ eH-48(SP), R15
	MOVQ R15, hline-64(SP)
	MOVQ sline-40(SP), R15
	ADDQ eS-24(SP), R15
	MOVQ R15, sline-40(SP)
	DECQ lines-120(SP)
	JNZ  line

done:
	VZEROUPPER                       // leave no dirty upper halves to slow down SSE code
	RET
