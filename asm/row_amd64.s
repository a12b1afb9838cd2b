//go:build amd64 && gc && !purego && !noasm

#include "textflag.h"

// rowSumsAVX2: the sums of one row through a layer, z = x B, with B packed as PackB packs it
// for the avx2-fma set (panels of 16 columns, psb values apart, a step 16 values on). Each sum
// is formed as blockAVX2 forms it (step 0 a product, then one FMA a step, in order), so a row
// gets the bits of a row of a blocked product; the Go wrapper then adds the bias and applies
// the activation with the set's row pass, as after a product. One row's chains wait on the
// FMA's latency, so four panels (64 columns, eight ymm chains) go at once; the panels left over
// go one at a time, the last one's columns past n stored under VMASKMOVPS masks (tailMask).
//
// General registers:
//	SI x    BX B: the first panel of the group    R8 psb in bytes    R9 3*psb in bytes
//	R10 z   DX columns left    R13 k    R14 x at step p    DI B at step p    CX steps left

// func rowSumsAVX2(k, n int, x, b []float32, psb int, z []float32)
TEXT ·rowSumsAVX2(SB), NOSPLIT, $0-96
	MOVQ k+0(FP), R13
	MOVQ n+8(FP), DX
	MOVQ x_base+16(FP), SI
	MOVQ b_base+40(FP), BX
	MOVQ psb+64(FP), R8
	SHLQ $2, R8                  // psb in bytes
	LEAQ (R8)(R8*2), R9          // three panels on
	MOVQ z_base+72(FP), R10

group:
	CMPQ DX, $64
	JL   single
	MOVQ         SI, R14
	MOVQ         BX, DI
	VBROADCASTSS (R14), Y15      // step 0: the sums are products
	VMULPS       (DI), Y15, Y0
	VMULPS       32(DI), Y15, Y1
	VMULPS       (DI)(R8*1), Y15, Y2
	VMULPS       32(DI)(R8*1), Y15, Y3
	VMULPS       (DI)(R8*2), Y15, Y4
	VMULPS       32(DI)(R8*2), Y15, Y5
	VMULPS       (DI)(R9*1), Y15, Y6
	VMULPS       32(DI)(R9*1), Y15, Y7
	MOVQ         R13, CX
	DECQ         CX
	JZ           groupstore
groupstep:
	ADDQ         $4, R14
	ADDQ         $64, DI         // the next row of each of the four panels
	VBROADCASTSS (R14), Y15
	VFMADD231PS  (DI), Y15, Y0   // sum[j] += x[p]*B[p][j]
	VFMADD231PS  32(DI), Y15, Y1
	VFMADD231PS  (DI)(R8*1), Y15, Y2
	VFMADD231PS  32(DI)(R8*1), Y15, Y3
	VFMADD231PS  (DI)(R8*2), Y15, Y4
	VFMADD231PS  32(DI)(R8*2), Y15, Y5
	VFMADD231PS  (DI)(R9*1), Y15, Y6
	VFMADD231PS  32(DI)(R9*1), Y15, Y7
	DECQ         CX
	JNZ          groupstep
groupstore:
	VMOVUPS      Y0, (R10)
	VMOVUPS      Y1, 32(R10)
	VMOVUPS      Y2, 64(R10)
	VMOVUPS      Y3, 96(R10)
	VMOVUPS      Y4, 128(R10)
	VMOVUPS      Y5, 160(R10)
	VMOVUPS      Y6, 192(R10)
	VMOVUPS      Y7, 224(R10)
	ADDQ         $256, R10
	LEAQ         (BX)(R8*4), BX  // the next four panels
	SUBQ         $64, DX
	JMP          group

single:
	TESTQ        DX, DX
	JLE          done
	MOVQ         SI, R14
	MOVQ         BX, DI
	VBROADCASTSS (R14), Y15
	VMULPS       (DI), Y15, Y0
	VMULPS       32(DI), Y15, Y1
	MOVQ         R13, CX
	DECQ         CX
	JZ           singlestore
singlestep:
	ADDQ         $4, R14
	ADDQ         $64, DI
	VBROADCASTSS (R14), Y15
	VFMADD231PS  (DI), Y15, Y0
	VFMADD231PS  32(DI), Y15, Y1
	DECQ         CX
	JNZ          singlestep
singlestore:
	CMPQ         DX, $16
	JL           partial
	VMOVUPS      Y0, (R10)
	VMOVUPS      Y1, 32(R10)
	ADDQ         $64, R10
	ADDQ         R8, BX
	SUBQ         $16, DX
	JMP          single
partial:
	// r = DX < 16 columns: the first min(r, 8) lanes of Y0, then r - 8 of Y1.
	LEAQ         ·tailMask+32(SB), R11 // the mask of r lanes is at tailMask + 4*(8-r)
	MOVQ         DX, AX
	CMPQ         AX, $8
	JLE          first
	MOVQ         $8, AX
first:
	NEGQ         AX
	VMOVUPS      (R11)(AX*4), Y14
	VMASKMOVPS   Y0, Y14, (R10)
	MOVQ         DX, AX
	SUBQ         $8, AX
	JLE          done
	NEGQ         AX
	VMOVUPS      (R11)(AX*4), Y14
	VMASKMOVPS   Y1, Y14, 32(R10)

done:
	VZEROUPPER
	RET
