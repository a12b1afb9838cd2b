package main

import (
	"testing"
	"time"
)

// TestRoundedDuration checks roundedDuration against time.Duration's Round and String.
func TestRoundedDuration(t *testing.T) {
	vals := []time.Duration{0, 1, 499999, 500000, time.Millisecond, 250 * time.Millisecond, 999499999, 999500000, time.Second, 1500 * time.Millisecond, 1040 * time.Millisecond, 1001 * time.Millisecond, 59*time.Second + 999*time.Millisecond, time.Minute, 61 * time.Second, 3723004 * time.Millisecond, time.Hour, 100*time.Hour + 5*time.Second, -1500 * time.Millisecond, -3 * time.Millisecond, 1<<63 - 1, -1 << 63}
	for i := 0; i < 20000; i++ {
		vals = append(vals, time.Duration(uint64(i)*uint64(i)*uint64(i)*7919+uint64(i)*1234567))
	}
	for _, d := range vals {
		for _, u := range []time.Duration{time.Millisecond, time.Second} {
			if got, want := roundedDuration(d, u), d.Round(u).String(); got != want {
				t.Errorf("%d %v: %q, want %q", int64(d), u, got, want)
			}
		}
	}
}
