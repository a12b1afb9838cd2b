package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// progress reports training on stderr: a bar redrawn in place when stderr is a terminal, a
// plain line every few seconds otherwise (logs and pipes).
type progress struct {
	w            io.Writer
	live         bool
	start        time.Time
	first, total int64 // the step the run started from, and the last step
	step         int64
	smoothed     float32 // exponential moving average of the loss
	lastDraw     time.Time
	drawn        bool
	// images, when set, reports the rate in images a second and the epochs done, for training
	// on a dataset of that many images in batches of batch.
	images, batch int
}

func newProgress(w io.Writer, first, total int64) *progress {
	p := &progress{w: w, start: time.Now(), first: first, total: total, step: first}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.live = true
		}
	}
	return p
}

func (p *progress) elapsed() time.Duration { return time.Since(p.start) }

func (p *progress) update(step int64, loss float32) {
	if p.step == p.first {
		p.smoothed = loss
	} else {
		p.smoothed += 0.02 * (loss - p.smoothed)
	}
	p.step = step
	now := time.Now()
	every := 5 * time.Second
	if p.live {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.lastDraw) >= every || step == p.total {
		p.lastDraw = now
		p.draw()
	}
}

func (p *progress) draw() {
	done := p.step - p.first
	secs := p.elapsed().Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(done) / secs
	}
	eta := "?"
	if rate > 0 {
		eta = roundedDuration(time.Duration(float64(p.total-p.step)/rate)*time.Second, time.Second)
	}
	stats := fmt.Sprintf("step %d/%d  loss %.4f  %.0f steps/s  ETA %s", p.step, p.total, p.smoothed, rate, eta)
	if p.images > 0 {
		epochs := float64(p.step) * float64(p.batch) / float64(p.images)
		stats = fmt.Sprintf("step %d/%d  epoch %.2f  loss %.4f  %.0f images/s  ETA %s", p.step, p.total, epochs, p.smoothed, rate*float64(p.batch), eta)
	}
	if !p.live {
		fmt.Fprintln(p.w, stats)
		return
	}
	const width = 24
	fill := int(width * p.step / max(p.total, 1))
	var bar [width]byte
	for i := range bar {
		bar[i] = ' '
		if i < fill {
			bar[i] = '='
		}
	}
	fmt.Fprintf(p.w, "\r[%s] %s\x1b[K", bar[:], stats)
	p.drawn = true
}

// finish ends the live bar's line so that what follows starts on a fresh one. (Not inlined
// into its eight callers: it is called once a run.)
//
//go:noinline
func (p *progress) finish() {
	if p.live && p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// roundedDuration is d.Round(unit).String() for a unit of whole milliseconds, such as
// time.Millisecond or time.Second: "0s", "250ms", "1.5s", "2m3.04s", "1h0m5s". It spares the
// binary time.Duration's String, which handles every unit down to the nanosecond.
func roundedDuration(d, unit time.Duration) string {
	d = d.Round(unit)
	u := uint64(d)
	var b []byte
	if d < 0 {
		b, u = append(b, '-'), -u
	}
	if u < 1e9 { // whole milliseconds
		if u == 0 {
			return "0s"
		}
		return string(appendUint(b, u/1e6)) + "ms"
	}
	s := u / 1e9
	for i, unit := range [2]uint64{3600, 60} {
		if s >= unit {
			b = append(appendUint(b, s/unit%[2]uint64{1 << 63, 60}[i]), "hm"[i])
		}
	}
	b = appendUint(b, s%60)
	if f := u % 1e9; f > 0 { // whole milliseconds but for the extremes Round returns
		b = appendUint(b, 1e9+f) // "1" and nine digits, the "1" then made the point
		b[len(b)-10] = '.'
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return string(append(b, 's'))
}

// appendUint is strconv.AppendUint in base 10, not inlined.
//
//go:noinline
func appendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }
