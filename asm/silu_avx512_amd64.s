//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// SiLU and its gradient on 16 lanes, two vectors per iteration: the computation of
// silu_amd64.s (its comment explains the exp, the clamps and the sigmoid's two forms), lane
// for lane the same instructions on zmm registers, so every value comes out with the same bits
// as in the avx2-fma set. What AVX-512 changes:
//
//   - 32 registers hold every constant (Z18..Z31), so the loops read nothing but z, b and dh.
//   - The sigmoid's select by z's sign is VPTESTMD into an opmask and VBLENDMPS (AVX2's
//     VBLENDVPS has no zmm form).
//   - The last len%16 values run through the same code under the opmask K1: masked loads
//     read, and masked stores write, only the lanes inside the slices.

#include "silu_avx512_amd64.h"

// func biasSiLUAVX512(z, h, b []float32)
TEXT ·biasSiLUAVX512(SB), NOSPLIT, $0-72
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ h_base+24(FP), BX       // BX = &h[0]
	MOVQ b_base+48(FP), SI       // SI = &b[0]
	SILU_CONSTS
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   biassilu16

biassilu32:
	VMOVUPS (DI)(AX*4), Z0       // z[i:i+16]
	VMOVUPS 64(DI)(AX*4), Z6     // z[i+16:i+32]
	VADDPS  (SI)(AX*4), Z0, Z0   // += b
	VADDPS  64(SI)(AX*4), Z6, Z6
	VMOVUPS Z0, (DI)(AX*4)       // store z
	VMOVUPS Z6, 64(DI)(AX*4)
	FWD_REDUCE(Z0, Z1, Z2, Z3)
	FWD_REDUCE(Z6, Z7, Z8, Z9)
	FWD_DENOM(Z1, Z2, Z3, Z4, Z5)
	FWD_DENOM(Z7, Z8, Z9, Z10, Z11)
	VDIVPS  Z5, Z0, Z5           // h = z/(1 + exp(-z))
	VDIVPS  Z11, Z6, Z11
	VMOVUPS Z5, (BX)(AX*4)
	VMOVUPS Z11, 64(BX)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      biassilu32

biassilu16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  biassilutail
	VMOVUPS (DI)(AX*4), Z0       // one more vector, as in the loop
	VADDPS  (SI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	FWD_REDUCE(Z0, Z1, Z2, Z3)
	FWD_DENOM(Z1, Z2, Z3, Z4, Z5)
	VDIVPS  Z5, Z0, Z5
	VMOVUPS Z5, (BX)(AX*4)
	ADDQ    $16, AX

biassilutail:
	SUBQ AX, CX                  // CX = r < 16 values left
	JZ   biassiludone
	LEAQ ·tailBits16(SB), R9
	KMOVW (R9)(CX*2), K1         // K1 = the r lanes
	VMOVUPS.Z (DI)(AX*4), K1, Z0     // z[n-r:n], zeros beyond
	VADDPS    (SI)(AX*4), Z0, K1, Z0 // + b[n-r:n]
	VMOVUPS   Z0, K1, (DI)(AX*4)     // store the r lanes of z
	FWD_REDUCE(Z0, Z1, Z2, Z3)
	FWD_DENOM(Z1, Z2, Z3, Z4, Z5)
	VDIVPS    Z5, Z0, Z5
	VMOVUPS   Z5, K1, (BX)(AX*4)     // store the r lanes of h

biassiludone:
	VZEROUPPER
	RET

// func siluGradAVX512(dz, dh, z []float32)
TEXT ·siluGradAVX512(SB), NOSPLIT, $0-72
	MOVQ dz_base+0(FP), DI       // DI = &dz[0]
	MOVQ dz_len+8(FP), CX        // CX = n
	MOVQ dh_base+24(FP), SI      // SI = &dh[0]
	MOVQ z_base+48(FP), BX       // BX = &z[0]
	SILU_CONSTS
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   silugrad16

silugrad32:
	VMOVUPS (BX)(AX*4), Z0       // z[i:i+16]
	VMOVUPS 64(BX)(AX*4), Z6     // z[i+16:i+32]
	GRAD_REDUCE(Z0, Z1, Z2, Z3)
	GRAD_REDUCE(Z6, Z7, Z8, Z9)
	GRAD_EXP(Z1, Z2, Z3, Z4, Z5)
	GRAD_EXP(Z7, Z8, Z9, Z10, Z11)
	GRAD_FACTOR(Z0, K2, Z2, Z3, Z4, Z5)
	GRAD_FACTOR(Z6, K3, Z8, Z9, Z10, Z11)
	VMULPS  (SI)(AX*4), Z3, Z3   // dz = dh*silu'(z), dh read before dz is written (they may alias)
	VMULPS  64(SI)(AX*4), Z9, Z9
	VMOVUPS Z3, (DI)(AX*4)
	VMOVUPS Z9, 64(DI)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      silugrad32

silugrad16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  silugradtail
	VMOVUPS (BX)(AX*4), Z0       // one more vector, as in the loop
	GRAD_REDUCE(Z0, Z1, Z2, Z3)
	GRAD_EXP(Z1, Z2, Z3, Z4, Z5)
	GRAD_FACTOR(Z0, K2, Z2, Z3, Z4, Z5)
	VMULPS  (SI)(AX*4), Z3, Z3
	VMOVUPS Z3, (DI)(AX*4)
	ADDQ    $16, AX

silugradtail:
	SUBQ AX, CX                  // CX = r < 16 values left
	JZ   silugraddone
	LEAQ ·tailBits16(SB), R9
	KMOVW (R9)(CX*2), K1         // K1 = the r lanes
	VMOVUPS.Z (BX)(AX*4), K1, Z0     // z[n-r:n], zeros beyond
	GRAD_REDUCE(Z0, Z1, Z2, Z3)
	GRAD_EXP(Z1, Z2, Z3, Z4, Z5)
	GRAD_FACTOR(Z0, K2, Z2, Z3, Z4, Z5)
	VMULPS.Z  (SI)(AX*4), Z3, K1, Z3 // times dh[n-r:n]
	VMOVUPS   Z3, K1, (DI)(AX*4)     // store the r lanes of dz

silugraddone:
	VZEROUPPER
	RET
