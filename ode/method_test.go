package ode

import (
	"strings"
	"testing"
)

func TestMethodNames(t *testing.T) {
	want := map[Method]struct {
		name          string
		order, stages int
	}{
		Euler:    {"euler", 1, 1},
		Midpoint: {"midpoint", 2, 2},
		Heun:     {"heun", 2, 2},
		RK4:      {"rk4", 4, 4},
		Dopri5:   {"dopri5", 5, 6},
	}
	for m, w := range want {
		if got := m.String(); got != w.name {
			t.Errorf("Method(%d).String() = %q, want %q", int(m), got, w.name)
		}
		if m.Order() != w.order || m.Stages() != w.stages {
			t.Errorf("%v: Order %d, Stages %d, want %d, %d", m, m.Order(), m.Stages(), w.order, w.stages)
		}
		for _, s := range []string{w.name, strings.ToUpper(w.name)} {
			got, err := ParseMethod(s)
			if err != nil || got != m {
				t.Errorf("ParseMethod(%q) = %v, %v; want %v", s, got, err, m)
			}
		}
	}
	for _, s := range []string{"", "rk45", "rk4 ", "euler2"} {
		if _, err := ParseMethod(s); err == nil {
			t.Errorf("ParseMethod(%q) succeeded", s)
		}
	}
	bad := Method(99)
	if bad.String() != "Method(99)" || bad.Order() != 0 || bad.Stages() != 0 {
		t.Errorf("unknown method: %q, order %d, stages %d", bad.String(), bad.Order(), bad.Stages())
	}
}

// TestStagesCountsEvaluations checks that a fixed-step integration evaluates the field
// Stages() times per step.
func TestStagesCountsEvaluations(t *testing.T) {
	s := NewSolver(4)
	for _, m := range fixedMethods {
		calls := 0
		f := func(_ float32, x, dxdt []float32) {
			calls++
			copy(dxdt, x)
		}
		x := []float32{1, 2, 3, 4}
		if err := s.FixedSteps(m, f, x, 0, 1, 7, nil); err != nil {
			t.Fatal(err)
		}
		if calls != 7*m.Stages() {
			t.Errorf("%v: %d evaluations in 7 steps, want %d", m, calls, 7*m.Stages())
		}
	}
}
