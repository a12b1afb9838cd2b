//go:build linux && gc && !purego && !noasm

package asm

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// fences hands out float32 slices that end exactly where an inaccessible page begins, so that
// a kernel reading or writing even one value past a slice's end faults instead of passing by
// luck. Each slice is a mapping of its own; free unmaps them all.
type fences struct {
	t    *testing.T
	mems [][]byte
}

// fenced returns n zero float32s right before an inaccessible page.
func (f *fences) fenced(n int) []float32 {
	f.t.Helper()
	page := os.Getpagesize()
	size := (4*n+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		f.t.Fatalf("mmap %d bytes: %v", size, err)
	}
	f.mems = append(f.mems, mem)
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		f.t.Fatalf("mprotect: %v", err)
	}
	b := mem[size-page-4*n : size-page]
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// fill copies src into a fenced slice of the same length.
func (f *fences) fill(src []float32) []float32 {
	dst := f.fenced(len(src))
	copy(dst, src)
	return dst
}

func (f *fences) free() {
	for _, mem := range f.mems {
		syscall.Munmap(mem)
	}
	f.mems = f.mems[:0]
}

// fenced runs body with a fences that is freed when body returns, so that the mappings of a
// long test do not pile up.
func fenced(t *testing.T, body func(f *fences)) {
	f := &fences{t: t}
	defer f.free()
	body(f)
}

// TestStaysInBounds puts every input and output of every set's kernels right before an
// inaccessible page: Block in every layout, the packing, DotRows, the vector loops, Adam and
// EMA, at every tail length of the widest set's masks (0 to 2*16+1 and more), so that a read
// or write of one value past a slice's end faults. Where the other tests compare results,
// this one checks a few of them too, so that a kernel cannot pass by doing nothing.
func TestStaysInBounds(t *testing.T) {
	forEachSet(t, func(t *testing.T, s *Set) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, l := range blockLayouts {
			for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17} {
				for _, tiles := range [][2]int{{1, 1}, {2, 1}, {1, 2}} {
					m, n := tiles[0]*s.MR, tiles[1]*s.NR
					for _, acc := range []bool{false, true} {
						fenced(t, func(f *fences) {
							av, bv := randSlice(r, m*k, 1), randSlice(r, k*n, 1)
							a, psa, rsa, csa, b, psb, rsb := blockOperands(s, l, m, n, k, 1, av, bv)
							ldc := n + 1
							c0 := randSlice(r, (m-1)*ldc+n, 1)
							c := f.fill(c0)
							s.Block(m, n, k, 0.5, f.fill(a), psa, rsa, csa, f.fill(b), psb, rsb, c, ldc, acc)
							for idx := range c {
								i, j := idx/ldc, idx%ldc
								want := float64(c0[idx])
								if j < n {
									var sum float64
									for p := range k {
										sum += float64(av[i*k+p]) * float64(bv[p*n+j])
									}
									if acc {
										want += 0.5 * sum
									} else {
										want = 0.5 * sum
									}
								}
								if !close(c[idx], float32(want), 1e-6*float64(k+1)) {
									t.Fatalf("%s k=%d m=%d n=%d acc=%v: c[%d] = %v, want %v", l.name, k, m, n, acc, idx, c[idx], want)
								}
							}
						})
					}
				}
			}
		}
		for _, unit := range []int{s.MR, s.NR} {
			for w := range 2*unit + 2 {
				for _, k := range []int{0, 1, 3, 15, 16, 17, 33} {
					for _, trans := range []bool{false, true} {
						fenced(t, func(f *fences) {
							x := randSlice(r, w*k, 1)
							ldA, ldB := k, w // the layouts without transposition
							if trans {
								ldA, ldB = w, k
							}
							if unit == s.MR {
								dst := f.fenced((w + s.MR - 1) / s.MR * s.MR * k)
								s.PackA(dst, f.fill(x), max(ldA, 1), trans, w, k)
							}
							if unit == s.NR {
								dst := f.fenced((w + s.NR - 1) / s.NR * s.NR * k)
								s.PackB(dst, f.fill(x), max(ldB, 1), trans, k, w)
							}
						})
					}
				}
			}
		}
		for _, rows := range []int{1, 7, 8, 9, 16, 17} {
			for k := range 34 {
				fenced(t, func(f *fences) {
					w, x := randSlice(r, rows*k, 1), randSlice(r, k, 1)
					y := f.fenced(rows)
					s.DotRows(y, 0.5, f.fill(w), k, f.fill(x), false)
					for j := range rows {
						if want := 0.5 * goSet.Dot(w[j*k:j*k+k], x); !close(y[j], want, 1e-5) {
							t.Fatalf("DotRows %d rows k=%d: y[%d] = %v, want %v", rows, k, j, y[j], want)
						}
					}
				})
			}
		}
		sc := adamCases[5]
		for n := range 71 {
			fenced(t, func(f *fences) {
				x, y, z := randSlice(r, n, 40), randSlice(r, n, 3), randSlice(r, n, 3)
				s.Axpy(0.5, f.fill(x), f.fenced(n))
				s.AxpyTo(f.fenced(n), 0.5, f.fill(x), f.fill(y))
				s.Scale(0.5, f.fill(x))
				if got, want := s.Dot(f.fill(x), f.fill(y)), goSet.Dot(x, y); !close(got, want, 1e-4) {
					t.Fatalf("Dot n=%d = %v, want %v", n, got, want)
				}
				s.AddBias(f.fill(x), f.fill(y))
				s.BiasSiLU(f.fill(x), f.fenced(n), f.fill(y))
				s.SiLUGrad(f.fenced(n), f.fill(y), f.fill(x))
				s.BiasReLU(f.fill(x), f.fenced(n), f.fill(z))
				s.ReLUGrad(f.fenced(n), f.fill(y), f.fill(x))

				p0, g0 := spread(r, n, false), spread(r, n, false)
				m0, v0 := spread(r, n, false), spread(r, n, true)
				wantP, wantM, wantV := clone(p0), clone(m0), clone(v0)
				goSet.Adam(wantP, g0, wantM, wantV, sc)
				p, g, m, v := f.fill(p0), f.fill(g0), f.fill(m0), f.fill(v0)
				s.Adam(p, g, m, v, sc)
				if sameBits(p, wantP) >= 0 || sameBits(m, wantM) >= 0 || sameBits(v, wantV) >= 0 {
					t.Fatalf("n=%d: Adam differs from the Go set", n)
				}
				want := clone(m0)
				goSet.EMA(want, p0, 0.99, 0.01)
				avg := f.fill(m0)
				s.EMA(avg, f.fill(p0), 0.99, 0.01)
				if i := sameBits(avg, want); i >= 0 {
					t.Fatalf("n=%d: EMA avg[%d] = %v, want %v", n, i, avg[i], want[i])
				}
			})
		}
	})
}
