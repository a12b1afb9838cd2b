package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fmtiny/fmtiny/mat"
)

// jacobian64 returns the n x Out x d Jacobian of the float64 reference network with respect to
// the data columns by central differences.
func jacobian64(r *refNet, x, t []float32, n int) []float64 {
	d, out := r.cfg.In-1, r.cfg.Out
	xcol := 0
	if r.cfg.TimeFirst {
		xcol = 1
	}
	jac := make([]float64, n*out*d)
	for p := range n {
		in := r.input(x, t, p)
		for c := range d {
			h := 1e-6 * math.Max(1, math.Abs(in[xcol+c]))
			plus := append([]float64(nil), in...)
			minus := append([]float64(nil), in...)
			plus[xcol+c] += h
			minus[xcol+c] -= h
			fp, fm := r.forwardRow(plus), r.forwardRow(minus)
			for o := range out {
				jac[(p*out+o)*d+c] = (fp[o] - fm[o]) / (2 * h)
			}
		}
	}
	return jac
}

// TestForwardTangents checks J v from ForwardTangents against float64 central differences of
// the reference forward pass, for every activation, t first and last, along the unit vectors,
// shared directions and per-point directions, one row and many; and Divergence against the
// differences' trace.
func TestForwardTangents(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	forEachSet(t, func(t *testing.T) {
		for _, act := range allActivations {
			for _, timeFirst := range []bool{false, true} {
				for _, d := range []int{1, 2, 3} {
					m := newTestMLP(t, d+1, []int{24, 17, 24}, d, act, timeFirst, uint64(10*d)+uint64(act))
					for i := range m.Params { // larger weights, so that curvature shows
						m.Params[i] *= 2
					}
					ref := newRef(m)
					for _, n := range []int{1, 3, 150} {
						x, ts := randSlice(rng, n*d, 2), randSlice(rng, n, 1)
						jac := jacobian64(ref, x, ts, n)
						scale := 0.0
						for _, v := range jac {
							scale = math.Max(scale, math.Abs(v))
						}
						tol := 2e-5 * scale
						name := fmt.Sprintf("%v timeFirst=%v d=%d n=%d", act, timeFirst, d, n)

						const K = 2
						shared := randSlice(rng, K*d, 1)
						perPoint := randSlice(rng, n*K*d, 1)
						for _, c := range []struct {
							what string
							dirs []float32
							k    int
						}{{"unit", nil, d}, {"shared", shared, K}, {"per point", perPoint, K}} {
							ws := m.NewTangentWorkspace(n, c.k)
							y, jv := m.ForwardTangents(ws, x, ts, n, c.dirs)
							y0 := m.Forward(m.NewWorkspace(n), x, ts, nil, n)
							for i := range y0 {
								if y[i] != y0[i] {
									t.Fatalf("%s %s: output %d = %v, Forward's %v", name, c.what, i, y[i], y0[i])
								}
							}
							for p := range n {
								for k := range c.k {
									var v []float32
									switch {
									case c.dirs == nil:
										v = make([]float32, d)
										v[k] = 1
									case len(c.dirs) == K*d:
										v = c.dirs[k*d : (k+1)*d]
									default:
										v = c.dirs[(p*K+k)*d : (p*K+k+1)*d]
									}
									for o := range d {
										var want float64
										for cc := range d {
											want += jac[(p*d+o)*d+cc] * float64(v[cc])
										}
										got := float64(jv[(p*c.k+k)*d+o])
										if math.Abs(got-want) > tol*float64(d) {
											t.Fatalf("%s %s: point %d direction %d output %d: %v, differences %v", name, c.what, p, k, o, got, want)
										}
									}
								}
							}
						}
						ws := m.NewTangentWorkspace(n, d)
						_, div := m.Divergence(ws, x, ts, n)
						for p := range n {
							var want float64
							for k := range d {
								want += jac[(p*d+k)*d+k]
							}
							if math.Abs(float64(div[p])-want) > tol*float64(d) {
								t.Fatalf("%s: divergence at point %d = %v, differences %v", name, p, div[p], want)
							}
						}
					}
				}
			}
		}
	})
}

// TestTangentBatch checks TangentBatch.Divergence against Divergence on one workspace, on
// every row count around a block's, and that its results do not depend on the threads.
func TestTangentBatch(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	m := newTestMLP(t, 3, []int{32, 32}, 2, SiLU, false, 4)
	rng := rand.New(rand.NewPCG(9, 9))
	const maxN = 3*tangentBlockRows + 7
	x, ts := randSlice(rng, 2*maxN, 2), randSlice(rng, maxN, 1)
	ws := m.NewTangentWorkspace(maxN, 2)
	for _, n := range []int{1, tangentBlockRows - 1, tangentBlockRows, tangentBlockRows + 1, maxN} {
		_, want := m.Divergence(ws, x, ts[:n], n)
		want = append([]float32(nil), want...)
		var first []float32
		for _, threads := range []int{1, 2, 3} {
			mat.SetThreads(threads)
			tb := m.NewTangentBatch(maxN)
			_, div := tb.Divergence(x, ts[:n], n)
			for p := range div {
				if math.Abs(float64(div[p]-want[p])) > 1e-5*(1+math.Abs(float64(want[p]))) {
					t.Fatalf("n=%d threads=%d: divergence %d = %v, one workspace %v", n, threads, p, div[p], want[p])
				}
			}
			if first == nil {
				first = append([]float32(nil), div...)
			} else if !slices.Equal(first, div) {
				t.Fatalf("n=%d: the divergence depends on the threads", n)
			}
		}
		tb := m.NewTangentBatch(maxN)
		tb.Divergence(x, ts[:1], n) // one shared time is accepted
	}
}

// TestProbeBatch: Tangents along per-row directions over blocks agree with ForwardTangents on
// one workspace, whatever the threads, bit for bit across thread counts.
func TestProbeBatch(t *testing.T) {
	defer mat.SetThreads(mat.Threads())
	m := newTestMLP(t, 3, []int{32, 32}, 2, SELU, true, 4)
	rng := rand.New(rand.NewPCG(7, 9))
	const maxN, k = 2*tangentBlockRows + 3, 3
	x, ts := randSlice(rng, 2*maxN, 2), randSlice(rng, 1, 1)
	dirs := randSlice(rng, maxN*k*2, 1)
	ws := m.NewTangentWorkspace(maxN, k)
	for _, n := range []int{1, 2, tangentBlockRows + 1, maxN} {
		_, want := m.ForwardTangents(ws, x, ts, n, dirs[:n*k*2])
		want = append([]float32(nil), want...)
		var first []float32
		for _, threads := range []int{1, 2} {
			mat.SetThreads(threads)
			pb := m.NewProbeBatch(maxN, k)
			_, jv := pb.Tangents(x, ts, n, dirs)
			for i := range jv {
				if math.Abs(float64(jv[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("n=%d threads=%d: product %d = %v, one workspace %v", n, threads, i, jv[i], want[i])
				}
			}
			if first == nil {
				first = append([]float32(nil), jv...)
			} else if !slices.Equal(first, jv) {
				t.Fatalf("n=%d: the products depend on the threads", n)
			}
		}
	}
}

func TestTangentsAllocs(t *testing.T) {
	m := newTestMLP(t, 3, []int{64, 64}, 2, GELU, false, 3)
	rng := rand.New(rand.NewPCG(8, 8))
	const n = 300
	x, ts := randSlice(rng, 2*n, 2), randSlice(rng, n, 1)
	dirs := randSlice(rng, n*4*2, 1)
	wsDiv, wsDirs := m.NewTangentWorkspace(n, 2), m.NewTangentWorkspace(n, 4)
	tb, pb := m.NewTangentBatch(n), m.NewProbeBatch(n, 4)
	run := func() {
		m.Divergence(wsDiv, x, ts, n)
		m.ForwardTangents(wsDirs, x, ts, n, dirs)
		tb.Divergence(x, ts, n)
		pb.Tangents(x, ts, n, dirs)
	}
	run()
	if a := allocsPerCall(5, run); a != 0 {
		t.Fatalf("Divergence and ForwardTangents allocated %v times per call", a)
	}
}

// report adds wall and CPU milliseconds per call (CPU time since c0, all threads), the second
// less disturbed by other jobs on the machine when the benchmark runs on one thread.
func report(b *testing.B, c0 time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
}

// BenchmarkDivergence times the field and its exact divergence in 2D against the field alone,
// at 128 wide, 4 hidden layers, 10000 points: Forward on one workspace (the same forward pass
// Divergence runs first) and the sampler's forward-only Batch.
func BenchmarkDivergence(b *testing.B) {
	m := benchMLP(b, 128, 4)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 10000
	x, ts := randSlice(rng, 2*n, 2), randSlice(rng, n, 1)
	b.Run("field/workspace", func(b *testing.B) {
		c0 := cpuTime()
		ws := m.NewWorkspace(n)
		for b.Loop() {
			m.Forward(ws, x, ts, nil, n)
		}
		report(b, c0)
	})
	b.Run("field/batch", func(b *testing.B) {
		c0 := cpuTime()
		batch := m.NewForwardBatch(n)
		for b.Loop() {
			batch.Forward(x, ts, nil, n)
		}
		report(b, c0)
	})
	b.Run("field+divergence/workspace", func(b *testing.B) {
		c0 := cpuTime()
		ws := m.NewTangentWorkspace(n, 2)
		for b.Loop() {
			m.Divergence(ws, x, ts, n)
		}
		report(b, c0)
	})
	b.Run("field+divergence/batch", func(b *testing.B) {
		c0 := cpuTime()
		tb := m.NewTangentBatch(n)
		for b.Loop() {
			tb.Divergence(x, ts, n)
		}
		report(b, c0)
	})
}
