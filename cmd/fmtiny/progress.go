package main

import (
	"fmt"
	"io"
	"os"
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
		eta = (time.Duration(float64(p.total-p.step)/rate) * time.Second).Round(time.Second).String()
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
