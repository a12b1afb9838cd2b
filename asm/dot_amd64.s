//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// func dotAVX2(x, y []float32) float32
//
// Four ymm accumulators take 32 products per iteration, enough independent FMA chains to hide
// their latency; the 8-wide loop and the masked tail add into the first one. The lanes are
// summed at the end in a fixed order, so the result depends on n alone, not on alignment.
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), SI        // SI = &x[0]
	MOVQ x_len+8(FP), CX         // CX = n
	MOVQ y_base+24(FP), DI       // DI = &y[0]
	VXORPS Y0, Y0, Y0            // four partial sums
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   dot8

dot32:
	VMOVUPS (SI)(AX*4), Y4               // x[i:i+8]
	VMOVUPS 32(SI)(AX*4), Y5             // x[i+8:i+16]
	VMOVUPS 64(SI)(AX*4), Y6             // x[i+16:i+24]
	VMOVUPS 96(SI)(AX*4), Y7             // x[i+24:i+32]
	VFMADD231PS (DI)(AX*4), Y4, Y0       // Y0 += x[i:i+8] * y[i:i+8]
	VFMADD231PS 32(DI)(AX*4), Y5, Y1     // Y1 += x[i+8:i+16] * y[i+8:i+16]
	VFMADD231PS 64(DI)(AX*4), Y6, Y2     // Y2 += ...
	VFMADD231PS 96(DI)(AX*4), Y7, Y3     // Y3 += ...
	ADDQ $32, AX                         // i += 32
	CMPQ AX, DX
	JB   dot32

dot8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  dottail

dot8loop:
	VMOVUPS (SI)(AX*4), Y4               // x[i:i+8]
	VFMADD231PS (DI)(AX*4), Y4, Y0       // Y0 += x[i:i+8] * y[i:i+8]
	ADDQ $8, AX
	CMPQ AX, DX
	JB   dot8loop

dottail:
	SUBQ CX, AX                          // AX = -r, r < 8 elements left
	JZ   dotsum
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y8               // mask with r lanes set
	VMASKMOVPS (SI)(DX*4), Y8, Y4        // x[n-r:n], zeros beyond
	VMASKMOVPS (DI)(DX*4), Y8, Y5        // y[n-r:n]
	VFMADD231PS Y5, Y4, Y0               // Y0 += x * y

dotsum:
	VADDPS Y1, Y0, Y0            // Y0 = (Y0 + Y1) + (Y2 + Y3)
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1      // X1 = lanes 4..7
	VADDPS X1, X0, X0            // X0 = 4 partial sums
	VMOVHLPS X0, X0, X1          // X1 = lanes 2, 3
	VADDPS X1, X0, X0            // X0 = 2 partial sums
	VMOVSHDUP X0, X1             // X1 = lane 1
	VADDSS X1, X0, X0            // X0 = the sum
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET
