package asm

// This file holds the transforms of Winograd's F(2x2, 3x3) convolution (Lavin and Gray 2016)
// over c channels at once: the package functions, which run the current set's kernels, and the
// Go set's. As with ELU, a set that leaves its fields nil runs winoBest's, the fastest this CPU
// has. Every value of a tile is a row of c channels; the transforms' 16 values lie contiguous,
// k = 4i+j numbering them row by row, and the map's side of each transform (the input patch,
// the 2x2 outputs and their gradients) is read or written through a pixel stride ld and a row
// stride ldRow, so that a tile inside a map needs no copy:
//
//	WinogradIn:      V = B^T d B   B^T = [1  0 -1  0]
//	                                     [0  1  1  0]
//	                                     [0 -1  1  0]
//	                                     [0  1  0 -1]
//	WinogradOut:     Y = A^T M A   A^T = [1  1  1  0]
//	                                     [0  1 -1 -1]
//	WinogradGradOut: dM = A dY A^T
//
// The Go set forms each output from its inputs in the order its loops below write; the other
// sets follow the same order, so every set gives the same bits (TestWinogradTransforms).

func init() {
	goSet.WinogradIn, goSet.WinogradOut, goSet.WinogradGradOut = winogradInGo, winogradOutGo, winogradGradOutGo
}

// winoBest holds the transforms for sets without their own.
var winoBest = struct {
	in, out, gradOut func(dst, src []float32, ld, ldRow, c int)
}{
	winogradInGo, winogradOutGo, winogradGradOutGo}

func winoKernels(s *Set) (in, out, gradOut func(dst, src []float32, ld, ldRow, c int)) {
	in, out, gradOut = s.WinogradIn, s.WinogradOut, s.WinogradGradOut
	if in == nil {
		in = winoBest.in
	}
	if out == nil {
		out = winoBest.out
	}
	if gradOut == nil {
		gradOut = winoBest.gradOut
	}
	return in, out, gradOut
}

// checkWino panics unless the tile of side n (4 or 2) addressed through ld and ldRow, and the
// contiguous rows of the other side, lie inside their slices, or a stride is negative.
func checkWino(name string, tile []float32, ld, ldRow, n int, rows []float32, nrows, c int) {
	if c < 0 || ld < 0 || ldRow < 0 || c > 0 && (len(tile) < (n-1)*(ldRow+ld)+c || len(rows) < nrows*c) {
		panic("asm: " + name + ": slices too short for their rows")
	}
}

// WinogradIn writes V = B^T d B into v[k*c : (k+1)*c] from the 4x4 input patch d, whose value
// at row r and column s is d[r*ldRow+s*ld : +c] (a patch inside a map: ld the pixel stride and
// ldRow the image row's; a gathered patch: c and 4*c).
func WinogradIn(v, d []float32, ld, ldRow, c int) {
	checkWino("WinogradIn", d, ld, ldRow, 4, v, 16, c)
	f, _, _ := winoKernels(current)
	f(v, d, ld, ldRow, c)
}

// WinogradOut writes Y = A^T M A, the value at row r and column s into y[r*ldRow+s*ld : +c],
// from a tile's 16 values m[k*c : (k+1)*c].
func WinogradOut(y []float32, ld, ldRow int, m []float32, c int) {
	checkWino("WinogradOut", y, ld, ldRow, 2, m, 16, c)
	_, f, _ := winoKernels(current)
	f(m, y, ld, ldRow, c)
}

// WinogradGradOut writes dM = A dY A^T into dm[k*c : (k+1)*c] from a tile's 2x2 output
// gradients, the one at row r and column s at dy[r*ldRow+s*ld : +c].
func WinogradGradOut(dm, dy []float32, ld, ldRow, c int) {
	checkWino("WinogradGradOut", dy, ld, ldRow, 2, dm, 16, c)
	_, _, f := winoKernels(current)
	f(dm, dy, ld, ldRow, c)
}

// at returns the value at row r and column s of a strided tile.
func at(x []float32, r, s, ld, ldRow, c int) []float32 {
	o := r*ldRow + s*ld
	return x[o : o+c : o+c]
}

// winogradInGo: row i of B^T d takes patch rows a and b (t_s = d_as - d_bs, or + for i = 1),
// and row i of V is t B: t0-t2, t1+t2, t2-t1, t1-t3.
func winogradInGo(v, d []float32, ld, ldRow, c int) {
	for i := 0; i < 4; i++ {
		a, b := [4]int{0, 1, 2, 1}[i], [4]int{2, 2, 1, 3}[i]
		a0, a1, a2, a3 := at(d, a, 0, ld, ldRow, c), at(d, a, 1, ld, ldRow, c), at(d, a, 2, ld, ldRow, c), at(d, a, 3, ld, ldRow, c)
		b0, b1, b2, b3 := at(d, b, 0, ld, ldRow, c), at(d, b, 1, ld, ldRow, c), at(d, b, 2, ld, ldRow, c), at(d, b, 3, ld, ldRow, c)
		v0, v1, v2, v3 := row(v, 4*i, c), row(v, 4*i+1, c), row(v, 4*i+2, c), row(v, 4*i+3, c)
		for j := range v0 {
			var t0, t1, t2, t3 float32
			if i == 1 {
				t0, t1, t2, t3 = a0[j]+b0[j], a1[j]+b1[j], a2[j]+b2[j], a3[j]+b3[j]
			} else {
				t0, t1, t2, t3 = a0[j]-b0[j], a1[j]-b1[j], a2[j]-b2[j], a3[j]-b3[j]
			}
			v0[j] = t0 - t2
			v1[j] = t1 + t2
			v2[j] = t2 - t1
			v3[j] = t1 - t3
		}
	}
}

// winogradOutGo: the two rows of A^T M, t_s = (M_s + M_4+s) + M_8+s and
// u_s = (M_4+s - M_8+s) - M_12+s, each then times A: (t0+t1)+t2 and (t1-t2)-t3. (The tile m
// comes first, as in the other transforms' kernels: source, then the strided tile.)
func winogradOutGo(m, y []float32, ld, ldRow, c int) {
	y0, y1, y2, y3 := at(y, 0, 0, ld, ldRow, c), at(y, 0, 1, ld, ldRow, c), at(y, 1, 0, ld, ldRow, c), at(y, 1, 1, ld, ldRow, c)
	_ = row(m, 15, c)
	for j := range y0 {
		var t, u [4]float32
		for s := 0; s < 4; s++ {
			m0, m1, m2, m3 := m[s*c+j], m[(4+s)*c+j], m[(8+s)*c+j], m[(12+s)*c+j]
			t[s] = (m0 + m1) + m2
			u[s] = (m1 - m2) - m3
		}
		y0[j] = (t[0] + t[1]) + t[2]
		y1[j] = (t[1] - t[2]) - t[3]
		y2[j] = (u[0] + u[1]) + u[2]
		y3[j] = (u[1] - u[2]) - u[3]
	}
}

// winogradGradOutGo: the rows of A dY, r_i = (dY_0, dY_0 + dY_1, dY_0 - dY_1, -dY_1) (each a
// pair over the columns), each then times A^T: r0, r0+r1, r0-r1, -r1.
func winogradGradOutGo(dm, dy []float32, ld, ldRow, c int) {
	g00, g01, g10, g11 := at(dy, 0, 0, ld, ldRow, c), at(dy, 0, 1, ld, ldRow, c), at(dy, 1, 0, ld, ldRow, c), at(dy, 1, 1, ld, ldRow, c)
	_ = row(dm, 15, c)
	for j := range g00 {
		rows := [4][2]float32{
			{g00[j], g01[j]},
			{g00[j] + g10[j], g01[j] + g11[j]},
			{g00[j] - g10[j], g01[j] - g11[j]},
			{-g10[j], -g11[j]},
		}
		for i, r := range rows {
			dm[(4*i)*c+j] = r[0]
			dm[(4*i+1)*c+j] = r[0] + r[1]
			dm[(4*i+2)*c+j] = r[0] - r[1]
			dm[(4*i+3)*c+j] = -r[1]
		}
	}
}

// row returns row k of c values of x.
func row(x []float32, k, c int) []float32 { return x[k*c : (k+1)*c : (k+1)*c] }
