//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// Bias and ReLU: z += b, z += b with h = max(z, 0), and ReLU's gradient. Each runs 16
// elements per iteration (two independent ymm chains), then 8, then a masked tail of r < 8.

// func addBiasAVX2(z, b []float32)
TEXT ·addBiasAVX2(SB), NOSPLIT, $0-48
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ b_base+24(FP), SI       // SI = &b[0]
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	JZ   addbias8

addbias16:
	VMOVUPS (DI)(AX*4), Y0       // z[i:i+8]
	VMOVUPS 32(DI)(AX*4), Y1     // z[i+8:i+16]
	VADDPS (SI)(AX*4), Y0, Y0    // += b[i:i+8]
	VADDPS 32(SI)(AX*4), Y1, Y1  // += b[i+8:i+16]
	VMOVUPS Y0, (DI)(AX*4)       // store z[i:i+16]
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, DX
	JB   addbias16

addbias8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  addbiastail
	VMOVUPS (DI)(AX*4), Y0       // at most one block of 8 is left
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX

addbiastail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left
	JZ   addbiasdone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y5       // mask with r lanes set
	VMASKMOVPS (DI)(DX*4), Y5, Y0 // z[n-r:n]
	VMASKMOVPS (SI)(DX*4), Y5, Y1 // b[n-r:n]
	VADDPS Y1, Y0, Y0
	VMASKMOVPS Y0, Y5, (DI)(DX*4) // store the r lanes

addbiasdone:
	VZEROUPPER
	RET

// func biasReLUAVX2(z, h, b []float32)
TEXT ·biasReLUAVX2(SB), NOSPLIT, $0-72
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ h_base+24(FP), BX       // BX = &h[0]
	MOVQ b_base+48(FP), SI       // SI = &b[0]
	VXORPS Y7, Y7, Y7            // Y7 = 0
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	JZ   biasrelu8

biasrelu16:
	VMOVUPS (DI)(AX*4), Y0       // z[i:i+8]
	VMOVUPS 32(DI)(AX*4), Y1     // z[i+8:i+16]
	VADDPS (SI)(AX*4), Y0, Y0    // += b[i:i+8]
	VADDPS 32(SI)(AX*4), Y1, Y1  // += b[i+8:i+16]
	VMOVUPS Y0, (DI)(AX*4)       // store z
	VMOVUPS Y1, 32(DI)(AX*4)
	VMAXPS Y0, Y7, Y2            // max(0, z): z is the second source, so NaN passes through
	VMAXPS Y1, Y7, Y3
	VMOVUPS Y2, (BX)(AX*4)       // store h
	VMOVUPS Y3, 32(BX)(AX*4)
	ADDQ $16, AX
	CMPQ AX, DX
	JB   biasrelu16

biasrelu8:
	MOVQ CX, DX
	ANDQ $-8, DX                 // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  biasrelutail
	VMOVUPS (DI)(AX*4), Y0       // at most one block of 8 is left
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	VMAXPS Y0, Y7, Y2
	VMOVUPS Y2, (BX)(AX*4)
	ADDQ $8, AX

biasrelutail:
	SUBQ CX, AX                  // AX = -r, r < 8 elements left
	JZ   biasreludone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y5       // mask with r lanes set
	VMASKMOVPS (DI)(DX*4), Y5, Y0 // z[n-r:n]
	VMASKMOVPS (SI)(DX*4), Y5, Y1 // b[n-r:n]
	VADDPS Y1, Y0, Y0             // z + b
	VMASKMOVPS Y0, Y5, (DI)(DX*4) // store z
	VMAXPS Y0, Y7, Y2             // max(0, z)
	VMASKMOVPS Y2, Y5, (BX)(DX*4) // store h

biasreludone:
	VZEROUPPER
	RET

// func reluGradAVX2(dz, dh, z []float32)
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-72
	MOVQ dz_base+0(FP), DI       // DI = &dz[0]
	MOVQ dz_len+8(FP), CX        // CX = n
	MOVQ dh_base+24(FP), SI      // SI = &dh[0]
	MOVQ z_base+48(FP), BX       // BX = &z[0]
	VXORPS Y7, Y7, Y7            // Y7 = 0
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	JZ   relugrad8

relugrad16:
	VMOVUPS (BX)(AX*4), Y0            // z[i:i+8]
	VMOVUPS 32(BX)(AX*4), Y1          // z[i+8:i+16]
	VCMPPS $0x1e, Y7, Y0, Y0          // all ones where z > 0 (GT_OQ: false for NaN)
	VCMPPS $0x1e, Y7, Y1, Y1
	VANDPS (SI)(AX*4), Y0, Y0         // dh where z > 0, else 0
	VANDPS 32(SI)(AX*4), Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)            // store dz
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, DX
	JB   relugrad16

relugrad8:
	MOVQ CX, DX
	ANDQ $-8, DX                      // DX = n rounded down to 8
	CMPQ AX, DX
	JAE  relugradtail
	VMOVUPS (BX)(AX*4), Y0            // at most one block of 8 is left
	VCMPPS $0x1e, Y7, Y0, Y0
	VANDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX

relugradtail:
	SUBQ CX, AX                       // AX = -r, r < 8 elements left
	JZ   relugraddone
	LEAQ ·tailMask+32(SB), R9
	VMOVUPS (R9)(AX*4), Y5            // mask with r lanes set
	VMASKMOVPS (BX)(DX*4), Y5, Y0     // z[n-r:n]
	VMASKMOVPS (SI)(DX*4), Y5, Y1     // dh[n-r:n]
	VCMPPS $0x1e, Y7, Y0, Y0          // z > 0
	VANDPS Y1, Y0, Y0                 // dh where z > 0, else 0
	VMASKMOVPS Y0, Y5, (DI)(DX*4)     // store the r lanes of dz

relugraddone:
	VZEROUPPER
	RET
