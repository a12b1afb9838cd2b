//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// dotRowsAVX2: y[j] = alpha * dot(row j of W, x) (+ y[j]) for the rows of W, eight at a time.
//
// Each group of eight rows keeps one accumulator per row (Y0..Y7), eight lanes wide: a step
// of eight values of x is one load of x and eight FMAs with the rows' values as memory
// operands, eight independent chains for the FMA latency. The last k%8 values are loaded
// with a mask (zeros beyond, nothing read past the rows' ends). The eight accumulators are
// then reduced together: two rounds of VHADDPS leave each row's lanes 0..3 and 4..7 summed in
// the two halves of two registers, and one add of the halves gives the eight sums in one
// register, which takes alpha, C and one store. The rows left over (n%8) go one at a time
// through the same sums in the same order (lanes paired, then quartets, then the halves), so
// a row's result does not depend on its place.
//
// Registers: R9 row 0 of the group, R11 = R9 + 3*ldw, R12 = R9 + 6*ldw (rows at (R9),
// (R9)(R10*1), (R9)(R10*2), (R11), (R9)(R10*4), (R11)(R10*2), (R12), (R11)(R10*4)), R10 ldw
// in bytes, SI x, DI y, CX steps left, BX groups or rows left, R8 the group's first row,
// Y15 the mask for the last k%8 values, Y14 alpha.

// func dotRowsAVX2(n, k int, alpha float32, w []float32, ldw int, x, y []float32, acc bool)
TEXT ·dotRowsAVX2(SB), NOSPLIT, $0-105
	MOVQ w_base+24(FP), R8
	MOVQ ldw+48(FP), R10
	SHLQ $2, R10                     // ldw in bytes
	MOVQ y_base+80(FP), DI
	VBROADCASTSS alpha+16(FP), Y14
	MOVQ k+8(FP), AX
	ANDQ $7, AX                      // r = k%8 values under the mask
	LEAQ ·tailMask+32(SB), DX
	SHLQ $2, AX
	SUBQ AX, DX                      // tailMask + 4*(8-r): r lanes set
	VMOVUPS (DX), Y15
	MOVQ n+0(FP), BX
	SHRQ $3, BX                      // groups of eight rows
	JZ   single

group:
	MOVQ R8, R9                      // row 0
	LEAQ (R8)(R10*2), R11
	ADDQ R10, R11                    // row 3
	LEAQ (R11)(R10*2), R12
	ADDQ R10, R12                    // row 6
	MOVQ x_base+56(FP), SI
	VXORPS       Y0, Y0, Y0                  // the sums start at zero
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	VXORPS       Y4, Y4, Y4
	VXORPS       Y5, Y5, Y5
	VXORPS       Y6, Y6, Y6
	VXORPS       Y7, Y7, Y7
	MOVQ k+8(FP), CX
	SHRQ $3, CX                      // steps of eight values
	JZ   gtail
gloop:
	VMOVUPS (SI), Y8                 // x[p:p+8]
	VFMADD231PS  (R9), Y8, Y0                // row 0
	VFMADD231PS  (R9)(R10*1), Y8, Y1         // row 1
	VFMADD231PS  (R9)(R10*2), Y8, Y2         // row 2
	VFMADD231PS  (R11), Y8, Y3               // row 3
	VFMADD231PS  (R9)(R10*4), Y8, Y4         // row 4
	VFMADD231PS  (R11)(R10*2), Y8, Y5        // row 5
	VFMADD231PS  (R12), Y8, Y6               // row 6
	VFMADD231PS  (R11)(R10*4), Y8, Y7        // row 7
	ADDQ $32, SI
	ADDQ $32, R9
	ADDQ $32, R11
	ADDQ $32, R12
	DECQ CX
	JNZ  gloop
gtail:
	TESTQ $7, k+8(FP)
	JZ   greduce
	VMASKMOVPS (SI), Y15, Y8         // the last k%8 values of x, zeros beyond
	VMASKMOVPS   (R9), Y15, Y9               // row 0
	VFMADD231PS  Y9, Y8, Y0
	VMASKMOVPS   (R9)(R10*1), Y15, Y9        // row 1
	VFMADD231PS  Y9, Y8, Y1
	VMASKMOVPS   (R9)(R10*2), Y15, Y9        // row 2
	VFMADD231PS  Y9, Y8, Y2
	VMASKMOVPS   (R11), Y15, Y9              // row 3
	VFMADD231PS  Y9, Y8, Y3
	VMASKMOVPS   (R9)(R10*4), Y15, Y9        // row 4
	VFMADD231PS  Y9, Y8, Y4
	VMASKMOVPS   (R11)(R10*2), Y15, Y9       // row 5
	VFMADD231PS  Y9, Y8, Y5
	VMASKMOVPS   (R12), Y15, Y9              // row 6
	VFMADD231PS  Y9, Y8, Y6
	VMASKMOVPS   (R11)(R10*4), Y15, Y9       // row 7
	VFMADD231PS  Y9, Y8, Y7
greduce:
	VHADDPS Y1, Y0, Y0               // [r0 01, r0 23, r1 01, r1 23 | r0 45, r0 67, r1 45, r1 67]
	VHADDPS Y3, Y2, Y2
	VHADDPS Y5, Y4, Y4
	VHADDPS Y7, Y6, Y6
	VHADDPS Y2, Y0, Y0               // [r0 0..3, r1 0..3, r2 0..3, r3 0..3 | the same of 4..7]
	VHADDPS Y6, Y4, Y4               // rows 4..7
	VPERM2F128 $0x20, Y4, Y0, Y1     // the lanes 0..3 of rows 0..7
	VPERM2F128 $0x31, Y4, Y0, Y2     // the lanes 4..7
	VADDPS  Y2, Y1, Y1               // the eight sums
	VMULPS  Y14, Y1, Y1              // times alpha
	CMPB acc+104(FP), $0
	JEQ  gstore
	VADDPS  (DI), Y1, Y1             // + y
gstore:
	VMOVUPS Y1, (DI)
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
	VXORPS Y0, Y0, Y0
	MOVQ k+8(FP), CX
	SHRQ $3, CX
	JZ   rtail
rloop:
	VMOVUPS (SI), Y8
	VFMADD231PS (R9), Y8, Y0
	ADDQ $32, SI
	ADDQ $32, R9
	DECQ CX
	JNZ  rloop
rtail:
	TESTQ $7, k+8(FP)
	JZ   rreduce
	VMASKMOVPS (SI), Y15, Y8
	VMASKMOVPS (R9), Y15, Y9
	VFMADD231PS Y9, Y8, Y0
rreduce:
	VHADDPS Y0, Y0, Y0               // [01, 23, 01, 23 | 45, 67, 45, 67]
	VHADDPS Y0, Y0, Y0               // [0..3 | 4..7] in every lane of each half
	VEXTRACTF128 $1, Y0, X1
	VADDSS  X1, X0, X0               // the sum
	VMULSS  X14, X0, X0              // times alpha
	CMPB acc+104(FP), $0
	JEQ  rstore
	VADDSS  (DI), X0, X0             // + y
rstore:
	VMOVSS  X0, (DI)
	ADDQ $4, DI
	ADDQ R10, R8                     // the next row
	DECQ BX
	JNZ  row

done:
	VZEROUPPER
	RET
