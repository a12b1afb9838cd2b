package plot

import (
	"image/png"
	"io"
	"math"
	"testing"
)

// BenchmarkDensity draws a million points into one 420-pixel histogram panel, range found from
// the data.
func BenchmarkDensity(b *testing.B) {
	d := sample("bench", gaussianBlob(1_000_000))
	b.ResetTimer()
	for range b.N {
		if _, err := DensityPanels([]*Data{d}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/picture")
}

// BenchmarkTrajectories draws 200 paths of 1000 steps each.
func BenchmarkTrajectories(b *testing.B) {
	d := spiralPaths(200, 1000)
	b.ResetTimer()
	for range b.N {
		if _, err := Trajectories([]*Data{d}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/picture")
	b.ReportMetric(float64(b.N)*200*1000/b.Elapsed().Seconds(), "segments/s")
}

// BenchmarkFromTable groups a trajectory table of 200 ids x 1001 times by time and id.
func BenchmarkFromTable(b *testing.B) {
	d := spiralPaths(200, 1000)
	var x []float32
	for k, t := range d.T {
		for i := range 200 {
			x = append(x, t, float32(i), d.X[k][2*i], d.X[k][2*i+1])
		}
	}
	header := []string{"t", "id", "x", "y"}
	b.ResetTimer()
	for range b.N {
		if _, err := FromTable(header, 4, x, "bench", Auto); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(x)/4)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncode is the PNG encoding of the snapshot rows picture, which fmtiny plot adds.
func BenchmarkEncode(b *testing.B) {
	rows := []*Data{
		flowSnapshots(b, "condot", "OT", seedTimes, 20000, 1),
		flowSnapshots(b, "vp", "VP", seedTimes, 20000, 1),
	}
	img, err := SnapshotRows(rows, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := png.Encode(io.Discard, img); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/picture")
}

// gaussianBlob is n points of a standard normal, by Box-Muller on the helpers' LCG.
func gaussianBlob(n int) []float32 {
	u := uniform(n, 1e-7, 1, 0, 2*math.Pi, 11)
	for i := 0; i < len(u); i += 2 {
		r, a := math.Sqrt(-2*math.Log(float64(u[i]))), float64(u[i+1])
		u[i], u[i+1] = float32(r*math.Cos(a)), float32(r*math.Sin(a))
	}
	return u
}

// spiralPaths winds n points from a ring of radius 2 into the middle in steps steps.
func spiralPaths(n, steps int) *Data {
	d := &Data{Kind: Trajectory, Label: "spiral", Dims: 2, Axes: [2]string{"x", "y"}}
	for k := 0; k <= steps; k++ {
		f := float64(k) / float64(steps)
		x := make([]float32, 2*n)
		for i := range n {
			a := 2*math.Pi*float64(i)/float64(n) + 3*f
			r := 2 * (1 - 0.8*f)
			x[2*i], x[2*i+1] = float32(r*math.Cos(a)), float32(r*math.Sin(a))
		}
		d.T = append(d.T, float32(f))
		d.X = append(d.X, x)
	}
	return d
}
