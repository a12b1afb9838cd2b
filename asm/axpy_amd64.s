//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// The axpy family: y += alpha*x, dst = alpha*x + y and x *= alpha. Each runs 32 elements
// (four ymm registers, enough independent work to fill both FMA ports) per iteration, then 8
// at a time, then the last r < 8 with a masked load and store (see tailMask), so nothing
// outside the slices is read or written.

// func axpyAVX2(alpha float32, x, y []float32)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Y0 // Y0 = alpha in every lane
	MOVQ x_base+8(FP), SI        // SI = &x[0]
	MOVQ y_base+32(FP), DI       // DI = &y[0]
	MOVQ x_len+16(FP), CX        // CX = n
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   axpy8

axpy32:
	VMOVUPS (DI)(AX*4), Y1               // y[i:i+8]
	VMOVUPS 32(DI)(AX*4), Y2             // y[i+8:i+16]
	VMOVUPS 64(DI)(AX*4), Y3             // y[i+16:i+24]
	VMOVUPS 96(DI)(AX*4), Y4             // y[i+24:i+32]
	VFMADD231PS (SI)(AX*4), Y0, Y1       // += alpha * x[i:i+8]
	VFMADD231PS 32(SI)(AX*4), Y0, Y2     // += alpha * x[i+8:i+16]
	VFMADD231PS 64(SI)(AX*4), Y0, Y3     // += alpha * x[i+16:i+24]
	VFMADD231PS 96(SI)(AX*4), Y0, Y4     // += alpha * x[i+24:i+32]
	VMOVUPS Y1, (DI)(AX*4)               // store y[i:i+32]
	VMOVUPS Y2, 32(DI)(AX*4)
	VMOVUPS Y3, 64(DI)(AX*4)
	VMOVUPS Y4, 96(DI)(AX*4)
	ADDQ    $32, AX                      // i += 32
	CMPQ    AX, DX
	JB      axpy32

axpy8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  axpytail

axpy8loop:
	VMOVUPS     (DI)(AX*4), Y1       // y[i:i+8]
	VFMADD231PS (SI)(AX*4), Y0, Y1   // += alpha * x[i:i+8]
	VMOVUPS     Y1, (DI)(AX*4)       // store
	ADDQ        $8, AX               // i += 8
	CMPQ        AX, DX
	JB          axpy8loop

axpytail:
	SUBQ CX, AX                          // AX = i - n = -r, r < 8 elements left
	JZ   axpydone
	LEAQ ·tailMask+32(SB), R9            // the mask with r lanes set
	VMOVUPS (R9)(AX*4), Y5               // is at tailMask + 4*(8-r)
	LEAQ (SI)(DX*4), SI                  // SI = &x[n-r]
	LEAQ (DI)(DX*4), DI                  // DI = &y[n-r]
	VMASKMOVPS (SI), Y5, Y2              // x[n-r:n], zeros beyond
	VMASKMOVPS (DI), Y5, Y1              // y[n-r:n]
	VFMADD231PS Y2, Y0, Y1               // += alpha * x
	VMASKMOVPS Y1, Y5, (DI)              // store the r lanes only

axpydone:
	VZEROUPPER
	RET

// func axpyToAVX2(dst []float32, alpha float32, x, y []float32)
TEXT ·axpyToAVX2(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI      // DI = &dst[0]
	MOVQ dst_len+8(FP), CX       // CX = n
	VBROADCASTSS alpha+24(FP), Y0 // Y0 = alpha in every lane
	MOVQ x_base+32(FP), SI       // SI = &x[0]
	MOVQ y_base+56(FP), BX       // BX = &y[0]
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   axpyto8

axpyto32:
	VMOVUPS (BX)(AX*4), Y1               // y[i:i+8]
	VMOVUPS 32(BX)(AX*4), Y2             // y[i+8:i+16]
	VMOVUPS 64(BX)(AX*4), Y3             // y[i+16:i+24]
	VMOVUPS 96(BX)(AX*4), Y4             // y[i+24:i+32]
	VFMADD231PS (SI)(AX*4), Y0, Y1       // += alpha * x[i:i+8]
	VFMADD231PS 32(SI)(AX*4), Y0, Y2
	VFMADD231PS 64(SI)(AX*4), Y0, Y3
	VFMADD231PS 96(SI)(AX*4), Y0, Y4
	VMOVUPS Y1, (DI)(AX*4)               // dst[i:i+32] = the sums
	VMOVUPS Y2, 32(DI)(AX*4)
	VMOVUPS Y3, 64(DI)(AX*4)
	VMOVUPS Y4, 96(DI)(AX*4)
	ADDQ    $32, AX                      // i += 32
	CMPQ    AX, DX
	JB      axpyto32

axpyto8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  axpytotail

axpyto8loop:
	VMOVUPS     (BX)(AX*4), Y1       // y[i:i+8]
	VFMADD231PS (SI)(AX*4), Y0, Y1   // += alpha * x[i:i+8]
	VMOVUPS     Y1, (DI)(AX*4)       // dst[i:i+8]
	ADDQ        $8, AX
	CMPQ        AX, DX
	JB          axpyto8loop

axpytotail:
	SUBQ CX, AX                          // AX = -r, r < 8 elements left
	JZ   axpytodone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y5               // mask with r lanes set
	LEAQ (SI)(DX*4), SI                  // &x[n-r]
	LEAQ (BX)(DX*4), BX                  // &y[n-r]
	LEAQ (DI)(DX*4), DI                  // &dst[n-r]
	VMASKMOVPS (SI), Y5, Y2              // x[n-r:n]
	VMASKMOVPS (BX), Y5, Y1              // y[n-r:n]
	VFMADD231PS Y2, Y0, Y1               // alpha*x + y
	VMASKMOVPS Y1, Y5, (DI)              // dst[n-r:n]

axpytodone:
	VZEROUPPER
	RET

// func scaleAVX2(alpha float32, x []float32)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y0 // Y0 = alpha in every lane
	MOVQ x_base+8(FP), DI        // DI = &x[0]
	MOVQ x_len+16(FP), CX        // CX = n
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   scale8

scale32:
	VMULPS  (DI)(AX*4), Y0, Y1   // alpha * x[i:i+8]
	VMULPS  32(DI)(AX*4), Y0, Y2
	VMULPS  64(DI)(AX*4), Y0, Y3
	VMULPS  96(DI)(AX*4), Y0, Y4
	VMOVUPS Y1, (DI)(AX*4)       // store x[i:i+32]
	VMOVUPS Y2, 32(DI)(AX*4)
	VMOVUPS Y3, 64(DI)(AX*4)
	VMOVUPS Y4, 96(DI)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      scale32

scale8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  scaletail

scale8loop:
	VMULPS  (DI)(AX*4), Y0, Y1   // alpha * x[i:i+8]
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JB      scale8loop

scaletail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left
	JZ   scaledone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y5       // mask with r lanes set
	LEAQ (DI)(DX*4), DI          // &x[n-r]
	VMASKMOVPS (DI), Y5, Y1      // x[n-r:n]
	VMULPS Y1, Y0, Y1            // * alpha
	VMASKMOVPS Y1, Y5, (DI)      // store the r lanes

scaledone:
	VZEROUPPER
	RET
