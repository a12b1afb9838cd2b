package mat

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// threads is the number of goroutines Gemm and Parallel may use, the caller's included.
var threads atomic.Int32

func init() { threads.Store(int32(runtime.GOMAXPROCS(0))) }

// MaxThreads bounds SetThreads: more threads than cores only split the work finer, a count
// near int's range would start a goroutine for every row of a small job (1e9 threads took 15 s
// and 380 MB for 5 training steps of a tiny network), and past 2^31 it would wrap in int32.
const MaxThreads = 1024

// SetThreads sets how many goroutines Gemm may use; n < 1 means GOMAXPROCS, and n is at most
// MaxThreads. The result of Gemm does not depend on it: work is split over rows and columns of
// C, never over k.
func SetThreads(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	threads.Store(int32(min(n, MaxThreads)))
}

// Threads returns how many goroutines Gemm may use.
func Threads() int { return int(threads.Load()) }

// The pool is a fixed set of worker goroutines, started the first time a call needs them. One
// call runs at a time (mu): the caller fills job, hands each worker the index of its part, runs
// part 0 itself and waits for the others. A worker that has finished a part spins for a while
// (spinTime) before it parks on its channel, and a caller that has finished its own part spins
// before it sleeps on the WaitGroup: a parked goroutine wakes through the kernel, and on a
// virtual machine the halted core it sleeps on can take tens of microseconds to come back, more
// than a small network's whole pass; a training or sampling loop hands work over again well
// within spinTime. Keeping the job in a package variable and passing plain values is what keeps
// a call free of allocations.
var pool struct {
	mu      sync.Mutex
	workers []*worker
	wg      sync.WaitGroup
	pending atomic.Int32 // parts handed out and not yet finished
	job     job
	ws      workspace // the calling goroutine's buffers, for part 0
	call    gemmCall  // the running Gemm
}

// spinTime is how long a worker, and a caller waiting for its workers, spin before they sleep.
const spinTime = 200 * time.Microsecond

// A worker's state: parked (blocked on its channel, or about to be), spinning, or holding a part
// handed over while it spun (handed + the part's index).
const (
	parked = iota
	spinning
	handed
)

// worker is one goroutine with buffers of its own.
type worker struct {
	parts chan int // a part, for a parked worker
	state atomic.Int32
	ws    workspace
}

// job is what the parts of one call share: either a GEMM split into rectangles of C or a
// Parallel loop split into ranges.
type job struct {
	gemm  *gemmCall
	f     func(lo, hi int)
	n     int // Parallel's range [0, n)
	parts int
}

// runPart runs part p of the current job on the buffers ws.
func (j *job) runPart(ws *workspace, p int) {
	if j.gemm != nil {
		j.gemm.runPart(ws, p)
		return
	}
	lo, hi := p*j.n/j.parts, (p+1)*j.n/j.parts
	if lo < hi {
		j.f(lo, hi)
	}
}

// run executes pool.job in pool.job.parts parts, part 0 on the calling goroutine; pool.mu must
// be held.
func run() {
	j := &pool.job
	for len(pool.workers) < j.parts-1 {
		w := &worker{parts: make(chan int)}
		w.state.Store(spinning) // so that the part below is handed over, not sent
		pool.workers = append(pool.workers, w)
		go w.loop()
	}
	pool.wg.Add(j.parts - 1)
	pool.pending.Add(int32(j.parts - 1))
	for p := 1; p < j.parts; p++ {
		w := pool.workers[p-1]
		if !w.state.CompareAndSwap(spinning, int32(handed+p)) {
			w.parts <- p // it parked (or is about to): wake it
		}
	}
	j.runPart(&pool.ws, 0)
	spinUntil(func() bool { return pool.pending.Load() == 0 })
	pool.wg.Wait()
}

// spinUntil polls done for up to spinTime, yielding the processor now and then so that a
// goroutine waiting for it can run.
func spinUntil(done func() bool) bool {
	var start time.Time
	for i := 0; ; i++ {
		if done() {
			return true
		}
		if i%64 == 63 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > spinTime {
				return false
			}
			runtime.Gosched()
		}
	}
}

// loop runs the parts handed to w. A worker is spinning again before its part counts as done,
// so that the next call, which cannot start before that, always finds it spinning or parked,
// never still holding its last part (then the call would wait on the channel for the whole
// spin); and the WaitGroup is done before pending drops, so that a caller whose spin sees
// pending reach 0 does not sleep in Wait.
func (w *worker) loop() {
	for {
		p := -1
		if !spinUntil(func() bool { return w.state.Load() >= handed }) && w.state.CompareAndSwap(spinning, parked) {
			p = <-w.parts
		} else {
			p = int(w.state.Load()) - handed
		}
		pool.job.runPart(&w.ws, p)
		w.state.Store(spinning)
		pool.wg.Done()
		pool.pending.Add(-1)
	}
}

// Parallel calls f(lo, hi) on consecutive ranges that cover [0, n), at most Threads() of them
// at once, on Gemm's pool of goroutines, and returns when all have returned. It allocates
// nothing when f is not a fresh closure. Calls to Parallel and Gemm are serialised, so f must
// not call either.
func Parallel(n int, f func(lo, hi int)) {
	if n <= 0 {
		return
	}
	parts := min(Threads(), n)
	if parts == 1 {
		f(0, n)
		return
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	pool.job = job{f: f, n: n, parts: parts}
	run()
	pool.job = job{}
}
