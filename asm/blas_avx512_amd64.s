//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// The vector loops of the avx512 set: y += alpha*x, dst = alpha*x + y, x *= alpha, the dot
// product, z += b, z += b with h = max(z, 0), and ReLU's gradient. Each runs 64 values (four
// zmm registers, independent chains for both FMA ports) per iteration, then 16 at a time, then
// the last r < 16 under the opmask K1 = 2^r - 1 (tailBits16): a masked load reads, and a masked
// store writes, only the selected lanes, and a masked-off lane past the slice's end never
// faults. Every value goes through the same instructions, whatever the length and alignment.

// TAIL sets CX = r, the values left after AX (from n in CX), and K1 = 2^r - 1, or jumps to
// done when none are left.
#define TAIL(done) \
	SUBQ AX, CX                      \
	JZ   done                        \
	LEAQ ·tailBits16(SB), R9         \
	KMOVW (R9)(CX*2), K1

// func axpyAVX512(alpha float32, x, y []float32)
TEXT ·axpyAVX512(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Z0 // Z0 = alpha in every lane
	MOVQ x_base+8(FP), SI        // SI = &x[0]
	MOVQ y_base+32(FP), DI       // DI = &y[0]
	MOVQ x_len+16(FP), CX        // CX = n
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-64, DX                // DX = n rounded down to 64
	JZ   axpy16

axpy64:
	VMOVUPS     (DI)(AX*4), Z1           // y[i:i+16]
	VMOVUPS     64(DI)(AX*4), Z2         // y[i+16:i+32]
	VMOVUPS     128(DI)(AX*4), Z3        // y[i+32:i+48]
	VMOVUPS     192(DI)(AX*4), Z4        // y[i+48:i+64]
	VFMADD231PS (SI)(AX*4), Z0, Z1       // += alpha * x[i:i+16]
	VFMADD231PS 64(SI)(AX*4), Z0, Z2
	VFMADD231PS 128(SI)(AX*4), Z0, Z3
	VFMADD231PS 192(SI)(AX*4), Z0, Z4
	VMOVUPS     Z1, (DI)(AX*4)           // store y[i:i+64]
	VMOVUPS     Z2, 64(DI)(AX*4)
	VMOVUPS     Z3, 128(DI)(AX*4)
	VMOVUPS     Z4, 192(DI)(AX*4)
	ADDQ        $64, AX
	CMPQ        AX, DX
	JB          axpy64

axpy16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  axpytail

axpy16loop:
	VMOVUPS     (DI)(AX*4), Z1       // y[i:i+16]
	VFMADD231PS (SI)(AX*4), Z0, Z1   // += alpha * x[i:i+16]
	VMOVUPS     Z1, (DI)(AX*4)
	ADDQ        $16, AX
	CMPQ        AX, DX
	JB          axpy16loop

axpytail:
	TAIL(axpydone)
	VMOVUPS.Z   (DI)(AX*4), K1, Z1       // y[n-r:n], zeros beyond
	VFMADD231PS (SI)(AX*4), Z0, K1, Z1   // += alpha * x[n-r:n], the other lanes left alone
	VMOVUPS     Z1, K1, (DI)(AX*4)       // store the r lanes only

axpydone:
	VZEROUPPER
	RET

// func axpyToAVX512(dst []float32, alpha float32, x, y []float32)
TEXT ·axpyToAVX512(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI      // DI = &dst[0]
	MOVQ dst_len+8(FP), CX       // CX = n
	VBROADCASTSS alpha+24(FP), Z0 // Z0 = alpha in every lane
	MOVQ x_base+32(FP), SI       // SI = &x[0]
	MOVQ y_base+56(FP), BX       // BX = &y[0]
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-64, DX                // DX = n rounded down to 64
	JZ   axpyto16

axpyto64:
	VMOVUPS     (BX)(AX*4), Z1           // y[i:i+16]
	VMOVUPS     64(BX)(AX*4), Z2
	VMOVUPS     128(BX)(AX*4), Z3
	VMOVUPS     192(BX)(AX*4), Z4
	VFMADD231PS (SI)(AX*4), Z0, Z1       // += alpha * x[i:i+16]
	VFMADD231PS 64(SI)(AX*4), Z0, Z2
	VFMADD231PS 128(SI)(AX*4), Z0, Z3
	VFMADD231PS 192(SI)(AX*4), Z0, Z4
	VMOVUPS     Z1, (DI)(AX*4)           // dst[i:i+64] = the sums
	VMOVUPS     Z2, 64(DI)(AX*4)
	VMOVUPS     Z3, 128(DI)(AX*4)
	VMOVUPS     Z4, 192(DI)(AX*4)
	ADDQ        $64, AX
	CMPQ        AX, DX
	JB          axpyto64

axpyto16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  axpytotail

axpyto16loop:
	VMOVUPS     (BX)(AX*4), Z1       // y[i:i+16]
	VFMADD231PS (SI)(AX*4), Z0, Z1   // += alpha * x[i:i+16]
	VMOVUPS     Z1, (DI)(AX*4)       // dst[i:i+16]
	ADDQ        $16, AX
	CMPQ        AX, DX
	JB          axpyto16loop

axpytotail:
	TAIL(axpytodone)
	VMOVUPS.Z   (BX)(AX*4), K1, Z1       // y[n-r:n]
	VFMADD231PS (SI)(AX*4), Z0, K1, Z1   // alpha*x + y
	VMOVUPS     Z1, K1, (DI)(AX*4)       // dst[n-r:n]

axpytodone:
	VZEROUPPER
	RET

// func scaleAVX512(alpha float32, x []float32)
TEXT ·scaleAVX512(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Z0 // Z0 = alpha in every lane
	MOVQ x_base+8(FP), DI        // DI = &x[0]
	MOVQ x_len+16(FP), CX        // CX = n
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-64, DX                // DX = n rounded down to 64
	JZ   scale16

scale64:
	VMULPS  (DI)(AX*4), Z0, Z1   // alpha * x[i:i+16]
	VMULPS  64(DI)(AX*4), Z0, Z2
	VMULPS  128(DI)(AX*4), Z0, Z3
	VMULPS  192(DI)(AX*4), Z0, Z4
	VMOVUPS Z1, (DI)(AX*4)       // store x[i:i+64]
	VMOVUPS Z2, 64(DI)(AX*4)
	VMOVUPS Z3, 128(DI)(AX*4)
	VMOVUPS Z4, 192(DI)(AX*4)
	ADDQ    $64, AX
	CMPQ    AX, DX
	JB      scale64

scale16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  scaletail

scale16loop:
	VMULPS  (DI)(AX*4), Z0, Z1   // alpha * x[i:i+16]
	VMOVUPS Z1, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JB      scale16loop

scaletail:
	TAIL(scaledone)
	VMULPS.Z (DI)(AX*4), Z0, K1, Z1 // alpha * x[n-r:n]
	VMOVUPS  Z1, K1, (DI)(AX*4)     // store the r lanes

scaledone:
	VZEROUPPER
	RET

// func dotAVX512(x, y []float32) float32
//
// Four zmm accumulators take 64 products per iteration; the 16-wide loop and the masked tail
// add into the first one. The lanes are summed at the end in a fixed order, so the result
// depends on n alone, not on alignment.
TEXT ·dotAVX512(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), SI        // SI = &x[0]
	MOVQ x_len+8(FP), CX         // CX = n
	MOVQ y_base+24(FP), DI       // DI = &y[0]
	VPXORD Z0, Z0, Z0            // four partial sums
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-64, DX                // DX = n rounded down to 64
	JZ   dot16

dot64:
	VMOVUPS     (SI)(AX*4), Z4           // x[i:i+16]
	VMOVUPS     64(SI)(AX*4), Z5
	VMOVUPS     128(SI)(AX*4), Z6
	VMOVUPS     192(SI)(AX*4), Z7
	VFMADD231PS (DI)(AX*4), Z4, Z0       // Z0 += x[i:i+16] * y[i:i+16]
	VFMADD231PS 64(DI)(AX*4), Z5, Z1
	VFMADD231PS 128(DI)(AX*4), Z6, Z2
	VFMADD231PS 192(DI)(AX*4), Z7, Z3
	ADDQ        $64, AX
	CMPQ        AX, DX
	JB          dot64

dot16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  dottail

dot16loop:
	VMOVUPS     (SI)(AX*4), Z4       // x[i:i+16]
	VFMADD231PS (DI)(AX*4), Z4, Z0   // Z0 += x[i:i+16] * y[i:i+16]
	ADDQ        $16, AX
	CMPQ        AX, DX
	JB          dot16loop

dottail:
	TAIL(dotsum)
	VMOVUPS.Z   (SI)(AX*4), K1, Z4       // x[n-r:n], zeros beyond
	VFMADD231PS (DI)(AX*4), Z4, K1, Z0   // Z0 += x * y in the r lanes

dotsum:
	VADDPS Z1, Z0, Z0            // Z0 = (Z0 + Z1) + (Z2 + Z3)
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1     // Y1 = lanes 8..15
	VADDPS Y1, Y0, Y0            // Y0 = 8 partial sums
	VEXTRACTF128 $1, Y0, X1      // X1 = lanes 4..7
	VADDPS X1, X0, X0            // X0 = 4 partial sums
	VMOVHLPS X0, X0, X1          // X1 = lanes 2, 3
	VADDPS X1, X0, X0            // X0 = 2 partial sums
	VMOVSHDUP X0, X1             // X1 = lane 1
	VADDSS X1, X0, X0            // X0 = the sum
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

// func addBiasAVX512(z, b []float32)
TEXT ·addBiasAVX512(SB), NOSPLIT, $0-48
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ b_base+24(FP), SI       // SI = &b[0]
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-64, DX                // DX = n rounded down to 64
	JZ   addbias16

addbias64:
	VMOVUPS (DI)(AX*4), Z0       // z[i:i+16]
	VMOVUPS 64(DI)(AX*4), Z1
	VMOVUPS 128(DI)(AX*4), Z2
	VMOVUPS 192(DI)(AX*4), Z3
	VADDPS  (SI)(AX*4), Z0, Z0   // += b[i:i+16]
	VADDPS  64(SI)(AX*4), Z1, Z1
	VADDPS  128(SI)(AX*4), Z2, Z2
	VADDPS  192(SI)(AX*4), Z3, Z3
	VMOVUPS Z0, (DI)(AX*4)       // store z[i:i+64]
	VMOVUPS Z1, 64(DI)(AX*4)
	VMOVUPS Z2, 128(DI)(AX*4)
	VMOVUPS Z3, 192(DI)(AX*4)
	ADDQ    $64, AX
	CMPQ    AX, DX
	JB      addbias64

addbias16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  addbiastail

addbias16loop:
	VMOVUPS (DI)(AX*4), Z0       // z[i:i+16]
	VADDPS  (SI)(AX*4), Z0, Z0   // += b[i:i+16]
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JB      addbias16loop

addbiastail:
	TAIL(addbiasdone)
	VMOVUPS.Z (DI)(AX*4), K1, Z0     // z[n-r:n]
	VADDPS    (SI)(AX*4), Z0, K1, Z0 // += b[n-r:n]
	VMOVUPS   Z0, K1, (DI)(AX*4)     // store the r lanes

addbiasdone:
	VZEROUPPER
	RET

// func biasReLUAVX512(z, h, b []float32)
//
// h = max(0, z) is VMAXPS with z as its second source, which x86 returns when either source is
// NaN: NaN passes through, as in the avx2-fma set.
TEXT ·biasReLUAVX512(SB), NOSPLIT, $0-72
	MOVQ z_base+0(FP), DI        // DI = &z[0]
	MOVQ z_len+8(FP), CX         // CX = n
	MOVQ h_base+24(FP), BX       // BX = &h[0]
	MOVQ b_base+48(FP), SI       // SI = &b[0]
	VPXORD Z7, Z7, Z7            // Z7 = 0
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   biasrelu16

biasrelu32:
	VMOVUPS (DI)(AX*4), Z0       // z[i:i+16]
	VMOVUPS 64(DI)(AX*4), Z1     // z[i+16:i+32]
	VADDPS  (SI)(AX*4), Z0, Z0   // += b
	VADDPS  64(SI)(AX*4), Z1, Z1
	VMOVUPS Z0, (DI)(AX*4)       // store z
	VMOVUPS Z1, 64(DI)(AX*4)
	VMAXPS  Z0, Z7, Z2           // max(0, z)
	VMAXPS  Z1, Z7, Z3
	VMOVUPS Z2, (BX)(AX*4)       // store h
	VMOVUPS Z3, 64(BX)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, DX
	JB      biasrelu32

biasrelu16:
	MOVQ CX, DX
	ANDQ $-16, DX                // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  biasrelutail
	VMOVUPS (DI)(AX*4), Z0       // at most one vector of 16 is left
	VADDPS  (SI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	VMAXPS  Z0, Z7, Z2
	VMOVUPS Z2, (BX)(AX*4)
	ADDQ    $16, AX

biasrelutail:
	TAIL(biasreludone)
	VMOVUPS.Z (DI)(AX*4), K1, Z0     // z[n-r:n]
	VADDPS    (SI)(AX*4), Z0, K1, Z0 // z + b
	VMOVUPS   Z0, K1, (DI)(AX*4)     // store z
	VMAXPS    Z0, Z7, Z2             // max(0, z)
	VMOVUPS   Z2, K1, (BX)(AX*4)     // store h

biasreludone:
	VZEROUPPER
	RET

// func reluGradAVX512(dz, dh, z []float32)
//
// dz = dh where z > 0 (an ordered compare: false for NaN), else +0: the compare gives an
// opmask, and a load of dh zeroing the other lanes is the result.
TEXT ·reluGradAVX512(SB), NOSPLIT, $0-72
	MOVQ dz_base+0(FP), DI       // DI = &dz[0]
	MOVQ dz_len+8(FP), CX        // CX = n
	MOVQ dh_base+24(FP), SI      // SI = &dh[0]
	MOVQ z_base+48(FP), BX       // BX = &z[0]
	VPXORD Z7, Z7, Z7            // Z7 = 0
	XORQ AX, AX                  // AX = i = 0
	MOVQ CX, DX
	ANDQ $-32, DX                // DX = n rounded down to 32
	JZ   relugrad16

relugrad32:
	VCMPPS    $0x11, (BX)(AX*4), Z7, K2   // K2 = lanes where 0 < z[i:i+16] (LT_OQ: false for NaN)
	VCMPPS    $0x11, 64(BX)(AX*4), Z7, K3 // K3 = the same for z[i+16:i+32]
	VMOVUPS.Z (SI)(AX*4), K2, Z0          // dh there, +0 elsewhere
	VMOVUPS.Z 64(SI)(AX*4), K3, Z1
	VMOVUPS   Z0, (DI)(AX*4)              // store dz, after dh is read (they may alias)
	VMOVUPS   Z1, 64(DI)(AX*4)
	ADDQ      $32, AX
	CMPQ      AX, DX
	JB        relugrad32

relugrad16:
	MOVQ CX, DX
	ANDQ $-16, DX                         // DX = n rounded down to 16
	CMPQ AX, DX
	JAE  relugradtail
	VCMPPS    $0x11, (BX)(AX*4), Z7, K2   // at most one vector of 16 is left
	VMOVUPS.Z (SI)(AX*4), K2, Z0
	VMOVUPS   Z0, (DI)(AX*4)
	ADDQ      $16, AX

relugradtail:
	TAIL(relugraddone)
	VCMPPS    $0x11, (BX)(AX*4), Z7, K1, K2 // K2 = the r lanes where 0 < z
	VMOVUPS.Z (SI)(AX*4), K2, Z0            // dh there, +0 elsewhere
	VMOVUPS   Z0, K1, (DI)(AX*4)            // store the r lanes of dz

relugraddone:
	VZEROUPPER
	RET
