//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"
#include "silu_avx512_amd64.h"

// rowAVX512: one row through a layer, z = x B + bias and h = act(z), with B packed as PackB
// packs it (panels of 64 columns, psb values apart, a step 64 values on). One panel at a time,
// its 64 sums in Z0..Z3: step p broadcasts x[p] into Z16 and adds x[p] times B's row p, so
// each sum is formed as blockAVX512 forms it (step 0 a product, then one FMA a step, in order)
// and the row comes out with the bits a row of a blocked product gets. The four chains wait on
// the FMA's latency (4 cycles a step), which one row cannot hide; what the kernel saves is
// everything around the sums: the bias, the activation and the stores are done in registers,
// in one call per layer. The columns past n in the last panel are computed on the panel's
// zero padding and never stored (opmasks K1..K4).
//
// General registers:
//	SI x    BX B: the panel    R8 psb in bytes    R9 bias    R10 z    R11 h
//	DX columns left            R12 act            R13 k      R14 x at step p    DI B at step p

// func rowAVX512(k, n int, x, b []float32, psb int, bias, z, h []float32, act int)
TEXT ·rowAVX512(SB), NOSPLIT, $0-152
	MOVQ k+0(FP), R13
	MOVQ n+8(FP), DX
	MOVQ x_base+16(FP), SI
	MOVQ b_base+40(FP), BX
	MOVQ psb+64(FP), R8
	SHLQ $2, R8                  // psb in bytes
	MOVQ bias_base+72(FP), R9
	MOVQ z_base+96(FP), R10
	MOVQ h_base+120(FP), R11
	MOVQ act+144(FP), R12
	CMPQ R12, $1
	JNE  panel
	SILU_CONSTS                  // Z18..Z31

panel:
	// K1..K4: the lanes of the panel's four vectors inside the row, the first min(n, 64).
	MOVQ $-1, AX
	CMPQ DX, $64
	JGE  masks
	MOVQ DX, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX                      // AX = 2^n - 1
masks:
	KMOVW AX, K1
	SHRQ  $16, AX
	KMOVW AX, K2
	SHRQ  $16, AX
	KMOVW AX, K3
	SHRQ  $16, AX
	KMOVW AX, K4

	MOVQ         SI, R14
	MOVQ         BX, DI
	VBROADCASTSS (R14), Z16      // step 0: the sums are products
	VMULPS       (DI), Z16, Z0
	VMULPS       64(DI), Z16, Z1
	VMULPS       128(DI), Z16, Z2
	VMULPS       192(DI), Z16, Z3
	MOVQ         R13, CX
	DECQ         CX              // the steps left
	JZ           sums
step:
	ADDQ         $4, R14
	ADDQ         $256, DI        // B's next row in the panel
	VBROADCASTSS (R14), Z16
	VFMADD231PS  (DI), Z16, Z0   // sum[j] += x[p]*B[p][j]
	VFMADD231PS  64(DI), Z16, Z1
	VFMADD231PS  128(DI), Z16, Z2
	VFMADD231PS  192(DI), Z16, Z3
	DECQ         CX
	JNZ          step

sums:
	VADDPS       (R9), Z0, K1, Z0     // + bias, the lanes inside the row
	VADDPS       64(R9), Z1, K2, Z1
	VADDPS       128(R9), Z2, K3, Z2
	VADDPS       192(R9), Z3, K4, Z3
	VMOVUPS      Z0, K1, (R10)        // z
	VMOVUPS      Z1, K2, 64(R10)
	VMOVUPS      Z2, K3, 128(R10)
	VMOVUPS      Z3, K4, 192(R10)
	CMPQ         R12, $1
	JEQ          silu
	CMPQ         R12, $2
	JNE          next
	VPXORD       Z15, Z15, Z15        // ReLU: h = max(0, z), z the second source (NaN passes)
	VMAXPS       Z0, Z15, Z0
	VMAXPS       Z1, Z15, Z1
	VMAXPS       Z2, Z15, Z2
	VMAXPS       Z3, Z15, Z3
	VMOVUPS      Z0, K1, (R11)
	VMOVUPS      Z1, K2, 64(R11)
	VMOVUPS      Z2, K3, 128(R11)
	VMOVUPS      Z3, K4, 192(R11)
	JMP          next
silu:
	FWD_REDUCE(Z0, Z4, Z5, Z6)        // as biasSiLUAVX512, two vectors at a time
	FWD_REDUCE(Z1, Z9, Z10, Z11)
	FWD_DENOM(Z4, Z5, Z6, Z7, Z8)
	FWD_DENOM(Z9, Z10, Z11, Z12, Z13)
	VDIVPS       Z8, Z0, Z8
	VDIVPS       Z13, Z1, Z13
	VMOVUPS      Z8, K1, (R11)
	VMOVUPS      Z13, K2, 64(R11)
	FWD_REDUCE(Z2, Z4, Z5, Z6)
	FWD_REDUCE(Z3, Z9, Z10, Z11)
	FWD_DENOM(Z4, Z5, Z6, Z7, Z8)
	FWD_DENOM(Z9, Z10, Z11, Z12, Z13)
	VDIVPS       Z8, Z2, Z8
	VDIVPS       Z13, Z3, Z13
	VMOVUPS      Z8, K3, 128(R11)
	VMOVUPS      Z13, K4, 192(R11)

next:
	ADDQ $256, R9                // the next 64 columns
	ADDQ $256, R10
	ADDQ $256, R11
	ADDQ R8, BX                  // the next panel of B
	SUBQ $64, DX
	JG   panel
	VZEROUPPER
	RET
