//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// The transforms of Winograd's F(2x2, 3x3) convolution (winograd.go), eight channels a step.
// Each kernel goes between 16 contiguous rows of c channels (R8 = c*4 bytes apart, CX = 3*c*4)
// and a tile of a map, whose pixels lie R9 = ld*4 bytes apart (R13 = 3*ld*4) and whose rows
// ldRow*4 apart. Each output is formed from its inputs in the order of the Go set's loops, so
// the bits are the same; the Go wrappers (winograd_amd64.go) run the last c%8 channels through
// rows of eight padded with zeros. The loop counter stays in its argument slot, which leaves
// twelve registers for the pointers and strides.

// func winogradInAVX2(v, d []float32, c, ld, ldRow, groups int)
TEXT ·winogradInAVX2(SB), NOSPLIT, $0-80
	MOVQ v_base+0(FP), DI        // DI: V rows 0-3
	MOVQ d_base+24(FP), SI       // SI: patch row 0
	MOVQ c+48(FP), R8
	MOVQ ld+56(FP), R9
	MOVQ ldRow+64(FP), R10
	SHLQ $2, R8                  // R8 = one V row in bytes
	LEAQ (R8)(R8*2), CX          // CX = three V rows
	SHLQ $2, R9                  // R9 = one pixel in bytes
	LEAQ (R9)(R9*2), R13         // R13 = three pixels
	SHLQ $2, R10
	LEAQ (SI)(R10*1), R11        // patch row 2 is R11, row 3 is R12
	LEAQ (R11)(R10*1), R11
	LEAQ (R11)(R10*1), R12
	ADDQ SI, R10                 // patch row 1
	LEAQ (DI)(R8*4), AX          // V rows 4-7
	LEAQ (AX)(R8*4), BX          // 8-11
	LEAQ (BX)(R8*4), DX          // 12-15
	CMPQ groups+72(FP), $0
	JEQ  winoindone

winoinloop:
	// Row 0 of B^T d: t_s = d_0s - d_2s; V_0j = t0-t2, t1+t2, t2-t1, t1-t3.
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R9*1), Y1
	VMOVUPS (SI)(R9*2), Y2
	VMOVUPS (SI)(R13*1), Y3
	VSUBPS (R11), Y0, Y0
	VSUBPS (R11)(R9*1), Y1, Y1
	VSUBPS (R11)(R9*2), Y2, Y2
	VSUBPS (R11)(R13*1), Y3, Y3
	VSUBPS Y2, Y0, Y4
	VADDPS Y2, Y1, Y5
	VSUBPS Y1, Y2, Y6
	VSUBPS Y3, Y1, Y7
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, (DI)(R8*1)
	VMOVUPS Y6, (DI)(R8*2)
	VMOVUPS Y7, (DI)(CX*1)
	// Row 1: t_s = d_1s + d_2s.
	VMOVUPS (R10), Y0
	VMOVUPS (R10)(R9*1), Y1
	VMOVUPS (R10)(R9*2), Y2
	VMOVUPS (R10)(R13*1), Y3
	VADDPS (R11), Y0, Y0
	VADDPS (R11)(R9*1), Y1, Y1
	VADDPS (R11)(R9*2), Y2, Y2
	VADDPS (R11)(R13*1), Y3, Y3
	VSUBPS Y2, Y0, Y4
	VADDPS Y2, Y1, Y5
	VSUBPS Y1, Y2, Y6
	VSUBPS Y3, Y1, Y7
	VMOVUPS Y4, (AX)
	VMOVUPS Y5, (AX)(R8*1)
	VMOVUPS Y6, (AX)(R8*2)
	VMOVUPS Y7, (AX)(CX*1)
	// Row 2: t_s = d_2s - d_1s.
	VMOVUPS (R11), Y0
	VMOVUPS (R11)(R9*1), Y1
	VMOVUPS (R11)(R9*2), Y2
	VMOVUPS (R11)(R13*1), Y3
	VSUBPS (R10), Y0, Y0
	VSUBPS (R10)(R9*1), Y1, Y1
	VSUBPS (R10)(R9*2), Y2, Y2
	VSUBPS (R10)(R13*1), Y3, Y3
	VSUBPS Y2, Y0, Y4
	VADDPS Y2, Y1, Y5
	VSUBPS Y1, Y2, Y6
	VSUBPS Y3, Y1, Y7
	VMOVUPS Y4, (BX)
	VMOVUPS Y5, (BX)(R8*1)
	VMOVUPS Y6, (BX)(R8*2)
	VMOVUPS Y7, (BX)(CX*1)
	// Row 3: t_s = d_1s - d_3s.
	VMOVUPS (R10), Y0
	VMOVUPS (R10)(R9*1), Y1
	VMOVUPS (R10)(R9*2), Y2
	VMOVUPS (R10)(R13*1), Y3
	VSUBPS (R12), Y0, Y0
	VSUBPS (R12)(R9*1), Y1, Y1
	VSUBPS (R12)(R9*2), Y2, Y2
	VSUBPS (R12)(R13*1), Y3, Y3
	VSUBPS Y2, Y0, Y4
	VADDPS Y2, Y1, Y5
	VSUBPS Y1, Y2, Y6
	VSUBPS Y3, Y1, Y7
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, (DX)(R8*1)
	VMOVUPS Y6, (DX)(R8*2)
	VMOVUPS Y7, (DX)(CX*1)
	ADDQ $32, SI                 // the next eight channels
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, DI
	ADDQ $32, AX
	ADDQ $32, BX
	ADDQ $32, DX
	DECQ groups+72(FP)
	JNZ  winoinloop

winoindone:
	VZEROUPPER
	RET

// OUT_COLUMN: for column s of M, the rows s, 4+s, 8+s, 12+s at OFF from SI, R10, R11, R12:
// T = (M_s + M_4+s) + M_8+s and U = (M_4+s - M_8+s) - M_12+s. Y8 is scratch.
#define OUT_COLUMN(OFF, T, U) \
	VMOVUPS OFF(R10), Y8         \
	VMOVUPS OFF(SI), T           \
	VADDPS  Y8, T, T             \
	VADDPS  OFF(R11), T, T       \
	VSUBPS  OFF(R11), Y8, U      \
	VSUBPS  OFF(R12), U, U

// func winogradOutAVX2(m, y []float32, c, ld, ldRow, groups int)
TEXT ·winogradOutAVX2(SB), NOSPLIT, $0-80
	MOVQ m_base+0(FP), SI        // SI: M rows 0-3
	MOVQ y_base+24(FP), DI       // DI: Y row 0
	MOVQ c+48(FP), R8
	MOVQ ld+56(FP), R9
	MOVQ ldRow+64(FP), AX
	SHLQ $2, R8                  // R8 = one M row in bytes
	LEAQ (R8)(R8*2), CX          // CX = three M rows
	SHLQ $2, R9                  // R9 = one pixel in bytes
	SHLQ $2, AX
	ADDQ DI, AX                  // AX: Y row 1
	LEAQ (SI)(R8*4), R10         // M rows 4-7
	LEAQ (R10)(R8*4), R11        // 8-11
	LEAQ (R11)(R8*4), R12        // 12-15
	CMPQ groups+72(FP), $0
	JEQ  winooutdone

winooutloop:
	OUT_COLUMN(0, Y0, Y4)
	ADDQ R8, SI                  // column 1
	ADDQ R8, R10
	ADDQ R8, R11
	ADDQ R8, R12
	OUT_COLUMN(0, Y1, Y5)
	ADDQ R8, SI                  // column 2
	ADDQ R8, R10
	ADDQ R8, R11
	ADDQ R8, R12
	OUT_COLUMN(0, Y2, Y6)
	ADDQ R8, SI                  // column 3
	ADDQ R8, R10
	ADDQ R8, R11
	ADDQ R8, R12
	OUT_COLUMN(0, Y3, Y7)
	SUBQ CX, SI                  // back to column 0, eight channels on
	SUBQ CX, R10
	SUBQ CX, R11
	SUBQ CX, R12
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	VADDPS Y1, Y0, Y9            // y00 = (t0 + t1) + t2
	VADDPS Y2, Y9, Y9
	VSUBPS Y2, Y1, Y10           // y01 = (t1 - t2) - t3
	VSUBPS Y3, Y10, Y10
	VADDPS Y5, Y4, Y11           // y10 = (u0 + u1) + u2
	VADDPS Y6, Y11, Y11
	VSUBPS Y6, Y5, Y12           // y11 = (u1 - u2) - u3
	VSUBPS Y7, Y12, Y12
	VMOVUPS Y9, (DI)
	VMOVUPS Y10, (DI)(R9*1)
	VMOVUPS Y11, (AX)
	VMOVUPS Y12, (AX)(R9*1)
	ADDQ $32, DI
	ADDQ $32, AX
	DECQ groups+72(FP)
	JNZ  winooutloop

winooutdone:
	VZEROUPPER
	RET

// GRAD_ROW: row i of dM from the pair (X, Y) of A dY's row i: X, X+Y, X-Y, -Y into the four
// rows at G. Y15 holds the sign bit; Y8 is scratch.
#define GRAD_ROW(X, Y, G) \
	VMOVUPS X, (G)               \
	VADDPS  Y, X, Y8             \
	VMOVUPS Y8, (G)(R8*1)        \
	VSUBPS  Y, X, Y8             \
	VMOVUPS Y8, (G)(R8*2)        \
	VXORPS  Y15, Y, Y8           \
	VMOVUPS Y8, (G)(CX*1)

// func winogradGradOutAVX2(dm, dy []float32, c, ld, ldRow, groups int)
TEXT ·winogradGradOutAVX2(SB), NOSPLIT, $0-80
	MOVQ dm_base+0(FP), DI       // DI: dM rows 0-3
	MOVQ dy_base+24(FP), SI      // SI: dY row 0
	MOVQ c+48(FP), R8
	MOVQ ld+56(FP), R9
	MOVQ ldRow+64(FP), R10
	SHLQ $2, R8
	LEAQ (R8)(R8*2), CX
	SHLQ $2, R9
	SHLQ $2, R10
	ADDQ SI, R10                 // R10: dY row 1
	LEAQ (DI)(R8*4), AX          // dM rows 4-7
	LEAQ (AX)(R8*4), BX          // 8-11
	LEAQ (BX)(R8*4), DX          // 12-15
	VPCMPEQD Y15, Y15, Y15
	VPSLLD $31, Y15, Y15         // the sign bit in every lane
	CMPQ groups+72(FP), $0
	JEQ  winograddone

winogradloop:
	VMOVUPS (SI), Y0             // dY_00
	VMOVUPS (SI)(R9*1), Y1       // dY_01
	VMOVUPS (R10), Y2            // dY_10
	VMOVUPS (R10)(R9*1), Y3      // dY_11
	GRAD_ROW(Y0, Y1, DI)         // row 0: (dY_00, dY_01)
	VADDPS Y2, Y0, Y4            // row 1: (dY_00 + dY_10, dY_01 + dY_11)
	VADDPS Y3, Y1, Y5
	GRAD_ROW(Y4, Y5, AX)
	VSUBPS Y2, Y0, Y4            // row 2: (dY_00 - dY_10, dY_01 - dY_11)
	VSUBPS Y3, Y1, Y5
	GRAD_ROW(Y4, Y5, BX)
	VXORPS Y15, Y2, Y4           // row 3: (-dY_10, -dY_11)
	VXORPS Y15, Y3, Y5
	GRAD_ROW(Y4, Y5, DX)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, DI
	ADDQ $32, AX
	ADDQ $32, BX
	ADDQ $32, DX
	DECQ groups+72(FP)
	JNZ  winogradloop

winograddone:
	VZEROUPPER
	RET
