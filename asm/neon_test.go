package asm

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// siluRef and siluGradRef are SiLU and its derivative times dh in float64.
func siluRef(z float64) float64 { return z / (1 + math.Exp(-z)) }

func siluGradRef(dh, z float64) float64 {
	s := 1 / (1 + math.Exp(-z))
	return dh * s * (1 + z*(1-s))
}

// TestSiLUAccuracy sweeps z densely over the range where exp(-z) is neither 0 nor +Inf in
// float32, and beyond, and bounds each set's error by 4 float32 ulps of the float64 result
// (sigmoid's exp, its range reduction and the division together) or by dust = 1e-35, whichever
// is larger: below z = -87, within a factor of 8 of where exp(-z) overflows, SIMD sets clamp
// and return -0 rather than silu's true 1.5e-36 and less. silu' = s*(1 + z*(1-s)) is bounded relative to
// s*(1+|z|) instead: in float32 1-s carries s's rounding error times |z|, in every set, and
// near silu'(z) = 0 the terms cancel.
func TestSiLUAccuracy(t *testing.T) {
	var z []float32
	for v := -100.0; v <= 100; v += 1.0 / 256 {
		z = append(z, float32(v))
	}
	z = append(z, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 3e38, -3e38,
		math.MaxFloat32, -math.MaxFloat32, float32(math.Inf(1)))
	const ulp, dust = 0x1p-23, 1e-35
	forEachSet(t, func(t *testing.T, s *Set) {
		zz := append([]float32(nil), z...)
		h := make([]float32, len(z))
		s.BiasSiLU(zz, h, make([]float32, len(z)))
		const dhv = 1.5
		dh := make([]float32, len(z))
		for i := range dh {
			dh[i] = dhv
		}
		dz := make([]float32, len(z))
		s.SiLUGrad(dz, dh, z)
		var worstH, worstG float64 // in ulps, where the result is not dust
		for i, v := range z {
			zv := float64(v)
			want := siluRef(zv)
			if math.IsInf(zv, 0) {
				if float64(h[i]) != want {
					t.Errorf("silu(%v) = %v, want %v", v, h[i], want)
				}
				continue
			}
			e := math.Abs(float64(h[i]) - want)
			if e > max(4*ulp*math.Abs(want), dust) {
				t.Errorf("silu(%v) = %v, want %v: %.2f ulp", v, h[i], want, e/math.Abs(want)/ulp)
			}
			if math.Abs(want) > dust/ulp {
				worstH = max(worstH, e/math.Abs(want)/ulp)
			}

			sg := 1 / (1 + math.Exp(-zv))
			want = siluGradRef(dhv, zv)
			scale := dhv * sg * (1 + math.Abs(zv))
			e = math.Abs(float64(dz[i]) - want)
			if e > max(4*ulp*scale, dust) {
				t.Errorf("silu'(%v)*%v = %v, want %v: %.2f ulp of %v", v, dhv, dz[i], want, e/scale/ulp, scale)
			}
			if scale > dust/ulp {
				worstG = max(worstG, e/scale/ulp)
			}
		}
		t.Logf("worst error: silu %.2f ulp, silu' %.2f ulp of s*(1+|z|)", worstH, worstG)
	})
}

// TestWordEncodings checks the NEON sources on every architecture: each WORD line must carry
// an encoding (not asm2plan9s's 0 placeholder) and the GNU instruction it encodes, spaced the
// way asm2plan9s recognises, so that go generate ./asm can re-encode it.
func TestWordEncodings(t *testing.T) {
	files, err := filepath.Glob("*_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	word := regexp.MustCompile(`\bWORD\b`)
	good := regexp.MustCompile(`^\tWORD \$0x[0-9a-f]{8} // [a-z][^/]*$`)
	n := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if !word.MatchString(text) || regexp.MustCompile(`^\s*//`).MatchString(text) {
				continue
			}
			n++
			switch {
			case !good.MatchString(text):
				t.Errorf("%s:%d: not in asm2plan9s's form \"\\tWORD $0x........ // instruction\": %q", name, line, text)
			case regexp.MustCompile(`\$0x0{8}\b`).MatchString(text):
				t.Errorf("%s:%d: placeholder left unencoded (run go generate ./asm): %q", name, line, text)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if n == 0 {
		t.Fatal("no WORD lines found in *_arm64.s")
	}
}
