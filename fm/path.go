package fm

import (
	"math"
	"strconv"
	"strings"
)

// Schedule names a member of the affine family x_t = alpha_t*x1 + sigma_t*x0, with the schedulers
// of facebookresearch/flow_matching.
type Schedule int

const (
	CondOT     Schedule = iota // alpha = t, sigma = 1 - (1-sigma_min)*t
	Polynomial                 // alpha = t^n, sigma = 1 - t^n
	LinearVP                   // alpha = t, sigma = sqrt(1 - t^2)
	Cosine                     // alpha = sin(pi*t/2), sigma = cos(pi*t/2)
	VP                         // the FM paper's variance-preserving diffusion path
)

var scheduleNames = [...]string{CondOT: "condot", Polynomial: "poly", LinearVP: "linvp", Cosine: "cosine", VP: "vp"}

func (s Schedule) String() string {
	if s >= 0 && int(s) < len(scheduleNames) {
		return scheduleNames[s]
	}
	return "Schedule(" + strconv.Itoa(int(s)) + ")"
}

// Path is a conditional probability path from N(0, I) at t = 0 to the data at t = 1:
// x_t = alpha_t*x1 + sigma_t*x0, whose conditional velocity is the target
// u_t = dalpha_t*x1 + dsigma_t*x0. Every path fmtiny knows is one of these.
type Path struct {
	Schedule Schedule
	SigmaMin float64 // CondOT: the noise left at t = 1 (0 in the reference implementations)
	Power    float64 // Polynomial: the exponent n
	BetaMin  float64 // VP: beta at s = 1 - t = 0 ...
	BetaMax  float64 // ... and at s = 1
	TEnd     float64 // the last time trained and integrated to: 1, or 1 - 1e-5 for VP whose field is singular at 1
}

// The FM paper's VP constants, and the end time that keeps its field finite.
const (
	VPBetaMin = 0.1
	VPBetaMax = 20
	VPEps     = 1e-5
)

// NewPath returns a path with the reference implementations' defaults for its parameters.
func NewPath(s Schedule) Path {
	p := Path{Schedule: s, TEnd: 1}
	switch s {
	case Polynomial:
		p.Power = 2
	case LinearVP:
		p.TEnd = 1 - VPEps
	case VP:
		p.BetaMin, p.BetaMax, p.TEnd = VPBetaMin, VPBetaMax, 1-VPEps
	}
	return p
}

// ParsePath reads a path name: condot, poly (n = 2) or poly:N, linvp, cosine, vp.
// ("ot" is accepted for condot and "poly" also as "polynomial".)
func ParsePath(name string) (Path, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	base, arg, hasArg := strings.Cut(name, ":")
	var p Path
	switch base {
	case "condot", "ot", "cot":
		p = NewPath(CondOT)
	case "poly", "polynomial":
		p = NewPath(Polynomial)
		if hasArg {
			n, err := strconv.ParseFloat(arg, 64)
			if err != nil || !(n >= 1) || math.IsInf(n, 0) {
				return Path{}, errorf("path %q: the exponent must be a number >= 1", name)
			}
			p.Power = n
			hasArg = false
		}
	case "linvp", "linear-vp", "linearvp":
		p = NewPath(LinearVP)
	case "cosine", "cos":
		p = NewPath(Cosine)
	case "vp", "diffusion":
		p = NewPath(VP)
	default:
		return Path{}, errorf("unknown path %q (want condot, vp, poly[:n], linvp or cosine)", name)
	}
	if hasArg {
		return Path{}, errorf("path %q takes no parameter", name)
	}
	return p, nil
}

// Name is the path's name as ParsePath reads it.
func (p Path) Name() string {
	if p.Schedule == Polynomial && p.Power != 2 {
		return "poly:" + strconv.FormatFloat(p.Power, 'g', -1, 64)
	}
	return p.Schedule.String()
}

// Validate reports parameters that make the path meaningless.
func (p Path) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case p.Schedule < 0 || int(p.Schedule) >= len(scheduleNames):
		return errorf("path: unknown schedule %d", int(p.Schedule))
	case !finite(p.TEnd) || p.TEnd <= 0 || p.TEnd > 1:
		return errorf("path %s: end time %v is not in (0, 1]", p.Name(), p.TEnd)
	case p.Schedule == CondOT && !(p.SigmaMin >= 0 && p.SigmaMin < 1):
		return errorf("path condot: sigma_min %v is not in [0, 1)", p.SigmaMin)
	case p.Schedule == Polynomial && !(p.Power >= 1 && finite(p.Power)):
		// Below 1, alpha' = n*t^(n-1) is infinite at t = 0, where sampling starts.
		return errorf("path poly: exponent %v is less than 1", p.Power)
	case p.Schedule == VP && !(p.BetaMin > 0 && p.BetaMax >= p.BetaMin && finite(p.BetaMax)):
		return errorf("path vp: need 0 < beta_min <= beta_max, got %v and %v", p.BetaMin, p.BetaMax)
	case p.Schedule == VP && p.TEnd == 1:
		return errorf("path vp: the field is singular at t = 1; end at 1 - %g", VPEps)
	case p.Schedule == LinearVP && p.TEnd == 1:
		// sigma' = -t/sqrt(1-t^2) is infinite at 1, as for VP.
		return errorf("path linvp: the field is singular at t = 1; end at 1 - %g", VPEps)
	}
	return nil
}

// Coeffs returns alpha_t, sigma_t and their time derivatives, computed in float64.
func (p Path) Coeffs(t float64) (alpha, sigma, dAlpha, dSigma float64) {
	switch p.Schedule {
	case CondOT:
		return t, 1 - (1-p.SigmaMin)*t, 1, -(1 - p.SigmaMin)
	case Polynomial:
		a, da := math.Pow(t, p.Power), p.Power*math.Pow(t, p.Power-1)
		return a, 1 - a, da, -da
	case LinearVP:
		s := math.Sqrt(1 - t*t)
		return t, s, 1, -t / s
	case Cosine:
		sin, cos := math.Sincos(math.Pi / 2 * t)
		return sin, cos, math.Pi / 2 * cos, -math.Pi / 2 * sin
	case VP:
		// s = 1 - t; T(s) = beta_min*s + s^2*(beta_max-beta_min)/2; beta(s) = T'(s);
		// alpha = exp(-T/2), sigma = sqrt(1 - alpha^2), where 1 - alpha^2 = -expm1(-T) keeps its
		// digits near t = 1. d/dt = -d/ds gives the derivatives.
		s := 1 - t
		T := p.BetaMin*s + s*s*(p.BetaMax-p.BetaMin)/2
		beta := p.BetaMin + s*(p.BetaMax-p.BetaMin)
		a := math.Exp(-T / 2)
		sg := math.Sqrt(-math.Expm1(-T))
		return a, sg, beta / 2 * a, -beta / 2 * a * a / sg
	}
	panic("fm: unknown schedule " + p.Schedule.String())
}

// Sample forms x_t and the target velocity u_t for n rows of d dims from noise x0, data x1 and
// one time per row.
func (p Path) Sample(xt, ut, x0, x1, t []float32, d int) {
	for i, ti := range t {
		a, s, da, ds := p.Coeffs(float64(ti))
		a32, s32, da32, ds32 := float32(a), float32(s), float32(da), float32(ds)
		r := i * d
		xt, ut, x0, x1 := xt[r:r+d], ut[r:r+d], x0[r:r+d], x1[r:r+d]
		for j := range xt {
			xt[j] = a32*x1[j] + s32*x0[j]
			ut[j] = da32*x1[j] + ds32*x0[j]
		}
	}
}
