package ode

import (
	"fmt"
	"strings"
)

// Method names an integration scheme.
type Method int

// The schemes. Euler, Midpoint, Heun and RK4 take fixed steps (Solver.Fixed, Solver.FixedSteps);
// Dopri5 adapts its step to a tolerance (Solver.Dopri5).
const (
	// Euler is the explicit Euler method: x += h f(t, x).
	Euler Method = iota
	// Midpoint is the explicit midpoint rule as torchdiffeq has it:
	// k1 = f(t, x); x += h f(t+h/2, x + h/2 k1).
	Midpoint
	// Heun is the explicit trapezoid rule (RK2): k1 = f(t, x); k2 = f(t+h, x + h k1);
	// x += h/2 (k1 + k2).
	Heun
	// RK4 is the classic fourth-order Runge-Kutta method with weights 1/6, 2/6, 2/6, 1/6
	// (not the 3/8 rule, which torchdiffeq calls "rk4").
	RK4
	// Dopri5 is the adaptive Dormand-Prince 5(4) pair with FSAL and dense output.
	Dopri5
)

var methodNames = [...]string{Euler: "euler", Midpoint: "midpoint", Heun: "heun", RK4: "rk4", Dopri5: "dopri5"}

// String returns the method's lower-case name, as ParseMethod accepts it.
func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// ParseMethod returns the method named s ("euler", "midpoint", "heun", "rk4", "dopri5"), in any
// letter case.
func ParseMethod(s string) (Method, error) {
	for m, name := range methodNames {
		if strings.EqualFold(s, name) {
			return Method(m), nil
		}
	}
	return 0, errorf("ode: unknown method %q (want euler, midpoint, heun, rk4 or dopri5)", s)
}

// Order returns the method's order of accuracy: the global error falls as h^Order. It is 0 for
// an unknown method.
func (m Method) Order() int {
	switch m {
	case Euler:
		return 1
	case Midpoint, Heun:
		return 2
	case RK4:
		return 4
	case Dopri5:
		return 5
	}
	return 0
}

// Stages returns how many times a step evaluates the field: 1, 2, 2 and 4 for the fixed-step
// methods, and 6 for Dopri5, whose seventh stage is the next step's first (FSAL). It is 0 for an
// unknown method.
func (m Method) Stages() int {
	switch m {
	case Euler:
		return 1
	case Midpoint, Heun:
		return 2
	case RK4:
		return 4
	case Dopri5:
		return 6
	}
	return 0
}

// valid reports whether m is one of the defined methods.
func (m Method) valid() bool { return m >= Euler && m <= Dopri5 }
