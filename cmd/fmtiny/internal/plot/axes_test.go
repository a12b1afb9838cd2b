package plot

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func TestTicksAreNice(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 2000 {
		// Spans from 1e-7 to 1e7, over 60 to 2000 pixels, starting anywhere up to a million
		// spans from 0 (float32 data resolve no finer).
		span := math.Pow(10, -7+14*r.Float64())
		lo := (r.Float64()*2 - 1) * span * math.Pow(10, -2+8*r.Float64())
		hi := lo + span
		pixels := 60 + r.IntN(1940)
		a := makeAxes(Range{lo, hi, lo, hi}, pixels, pixels)
		// Narrow panels may have room for one label only.
		if len(a.xv) < 1 || pixels >= 150 && len(a.xv) < 2 || len(a.xv) > pixels/40+1 {
			t.Fatalf("case %d: [%g, %g] over %d px: %d ticks %v", i, lo, hi, pixels, len(a.xv), a.xl)
		}
		if len(a.xv) < 2 {
			continue
		}
		// The step, from the ticks, must be a nice number to within rounding.
		est := (a.xv[len(a.xv)-1] - a.xv[0]) / float64(len(a.xv)-1)
		exp := math.Floor(math.Log10(est) + 1e-9)
		k := slices.IndexFunc(niceSteps[:], func(n float64) bool { return math.Abs(est/math.Pow(10, exp)-n) < 1e-6 })
		if k < 0 {
			t.Fatalf("case %d: [%g, %g]: step %g is not 1, 2, 2.5 or 5 times a power of ten", i, lo, hi, est)
		}
		step := niceSteps[k] * math.Pow(10, exp)
		for k, v := range a.xv {
			if v < lo-step*1e-6 || v > hi+step*1e-6 {
				t.Fatalf("case %d: tick %g outside [%g, %g]", i, v, lo, hi)
			}
			if d := v - math.Round(v/step)*step; math.Abs(d) > 1e-9*max(math.Abs(v), step) {
				t.Fatalf("case %d: tick %g is not a multiple of %g", i, v, step)
			}
			back, err := strconv.ParseFloat(a.xl[k], 64)
			if err != nil || math.Abs(back-v) > step*1e-3 {
				t.Fatalf("case %d: label %q for tick %g (step %g)", i, a.xl[k], v, step)
			}
			if k > 0 && a.xl[k] == a.xl[k-1] {
				t.Fatalf("case %d: labels repeat: %v", i, a.xl)
			}
		}
		// The labels fit between the ticks.
		if gap := step / span * float64(pixels); float64(widest(a.xl)+8) > gap {
			t.Fatalf("case %d: labels %v of width %d do not fit %g px apart", i, a.xl, widest(a.xl), gap)
		}
		if !slices.Equal(a.xv, a.yv) {
			t.Fatalf("case %d: a square range has x ticks %v and y ticks %v", i, a.xv, a.yv)
		}
	}
}

func TestTicksExamples(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		pixels int
		want   []string
	}{
		{-3.5, 3.5, 190, []string{"-2", "0", "2"}},
		{-3.5, 3.5, 420, []string{"-3", "-2", "-1", "0", "1", "2", "3"}},
		{-5, 5, 190, []string{"-5.0", "-2.5", "0.0", "2.5", "5.0"}},
		{0, 1, 420, []string{"0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"}},
		{0, 1, 190, []string{"0.00", "0.25", "0.50", "0.75", "1.00"}},
		{-0.001, 0.001, 190, []string{"-0.0010", "-0.0005", "0.0000", "0.0005", "0.0010"}},
		{1000, 6000, 190, []string{"2000", "4000", "6000"}},
		{-3e-7, 3e-7, 190, []string{"-2e-7", "0", "2e-7"}},
		{0, 5e7, 420, []string{"0", "5e6", "1e7", "1.5e7", "2e7", "2.5e7", "3e7", "3.5e7", "4e7", "4.5e7", "5e7"}},
		{-4.93e7, -4.03e7, 172, []string{"-4.75e7", "-4.5e7", "-4.25e7"}},
		{0, 999999, 420, []string{"0", "200000", "400000", "600000", "800000"}},
	} {
		a := makeAxes(Range{c.lo, c.hi, c.lo, c.hi}, c.pixels, c.pixels)
		if !slices.Equal(a.xl, c.want) {
			t.Errorf("[%g, %g] over %d px: ticks %v, want %v", c.lo, c.hi, c.pixels, a.xl, c.want)
		}
	}
}

func TestAxesShareOneStep(t *testing.T) {
	// The y axis alone would take a step of 0.5, the x axis (wider labels) 1: both take 1.
	a := makeAxes(Range{-2.7, 3.1, -2.1, 2.5}, 420, 333)
	if a.xv[1]-a.xv[0] != a.yv[1]-a.yv[0] {
		t.Errorf("x step %g, y step %g", a.xv[1]-a.xv[0], a.yv[1]-a.yv[0])
	}
}

func TestRobustRangeIgnoresOutliers(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	pts := make([]float32, 0, 2*10001)
	for range 10000 {
		pts = append(pts, float32(r.Float64()), float32(3+2*r.Float64()))
	}
	pts = append(pts, 1e6, -1e6, float32(math.NaN()), float32(math.Inf(1)))
	got := robustRange([][]float32{pts})
	// 0.5% .. 99.5% of U[0, 1] is [0.005, 0.995], padded by 8% of 0.99 each side.
	want := Range{0.005 - 0.0792, 0.995 + 0.0792, 3.01 - 0.1584, 4.99 + 0.1584}
	for i, v := range []float64{got.XMin, got.XMax, got.YMin, got.YMax} {
		w := []float64{want.XMin, want.XMax, want.YMin, want.YMax}[i]
		if math.Abs(v-w) > 0.02 {
			t.Errorf("range %+v, want about %+v", got, want)
			break
		}
	}
	// All points in one place: a unit range around it.
	if got := robustRange([][]float32{{2, 3, 2, 3}}); got != (Range{1, 3, 2, 4}) {
		t.Errorf("one point: range %+v", got)
	}
}

func TestFitAspectKeepsUnitsSquare(t *testing.T) {
	for _, r := range []Range{{0, 10, 0, 1}, {0, 1, 0, 10}, {-3, 3, -1, 2}, {5, 6, 5, 6}, {0, 1e-6, 0, 3e-6}} {
		got, w, h := fitAspect(r, 300)
		if max(w, h) != 300 {
			t.Errorf("%+v: %dx%d, want a longer side of 300", r, w, h)
		}
		ux, uy := (got.XMax-got.XMin)/float64(w), (got.YMax-got.YMin)/float64(h)
		if math.Abs(ux-uy) > 1e-9*ux {
			t.Errorf("%+v: %g units per pixel across, %g up", r, ux, uy)
		}
		if got.XMin > r.XMin || got.XMax < r.XMax || got.YMin > r.YMin || got.YMax < r.YMax {
			t.Errorf("%+v: fitted %+v does not hold it", r, got)
		}
		if float64(w)/float64(h) > 2.01 || float64(h)/float64(w) > 2.01 {
			t.Errorf("%+v: %dx%d is thinner than 1:2", r, w, h)
		}
	}
}

// TestBounds: the finite pairs' range, padded; none at all is reported, not a range at (0, 0).
func TestBounds(t *testing.T) {
	nan := float32(math.NaN())
	r, ok := bounds([][]float32{{1, 2, nan, 5, 3, 6}})
	pad := 2 * rangePad / 2
	if !ok || r != (Range{1 - pad, 3 + pad, 2 - 4*rangePad/2, 6 + 4*rangePad/2}) {
		t.Fatalf("bounds = %v, %v", r, ok)
	}
	if _, ok := bounds([][]float32{{nan, 1, float32(math.Inf(1)), 2}}); ok {
		t.Fatal("no finite pair, yet a range")
	}
}
