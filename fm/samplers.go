package fm

import "sync"

// The field samplers of small samples (one point, a few) are kept between Sample calls: making
// one (the network's forward-only Batch and workspaces, the solver's stages, some thirty small
// allocations) costs a one-point sample a good part of its time. A sample of many points makes
// its own, whose cost its solve dwarfs, and lets it go. Either way a sampler's weights are packed
// once per solve (nn.Batch.PackWeights), so that its tens of evaluations do not pack them each,
// and unpacked after it, since the model's weights may change between calls (a trainer's model
// shares the trainer's).
const (
	cachedPoints   = 64 // the largest chunk whose samplers are kept
	cachedSamplers = 4  // how many are kept, the least recently used let go first
)

// samplerKey is what makes a sampler fit a Sample call.
type samplerKey struct {
	net      Network
	maxBatch int
	serial   bool
	guidance float64
	energy   bool
}

type cachedSampler struct {
	key samplerKey
	s   *fieldSampler
}

// samplerCache holds the kept samplers, none of them in use.
var samplerCache struct {
	mu   sync.Mutex
	free []cachedSampler
}

// packer is a forward pass whose weights can be laid out once for a solve (nn.Batch).
type packer interface {
	PackWeights()
	UnpackWeights()
}

// takeSampler returns a sampler of up to maxBatch points for net (see newFieldSampler), a kept
// one when one fits, with its weights packed for a solve; putSampler gives it back.
func takeSampler(net Network, maxBatch int, serial bool, guidance float64, energy bool) *fieldSampler {
	key := samplerKey{net, maxBatch, serial, guidance, energy}
	var s *fieldSampler
	if cacheable(net, maxBatch) {
		samplerCache.mu.Lock()
		for i, c := range samplerCache.free {
			if c.key == key {
				s = c.s
				samplerCache.free = append(samplerCache.free[:i], samplerCache.free[i+1:]...)
				break
			}
		}
		samplerCache.mu.Unlock()
	}
	if s == nil {
		s = newFieldSampler(net, maxBatch, serial, guidance, energy)
	}
	if p, ok := s.pass.(packer); ok {
		p.PackWeights()
	}
	return s
}

// putSampler ends s's solve: its packed weights are dropped, and a small sampler is kept for
// the next call.
func putSampler(net Network, maxBatch int, serial bool, guidance float64, energy bool, s *fieldSampler) {
	if p, ok := s.pass.(packer); ok {
		p.UnpackWeights()
	}
	if !cacheable(net, maxBatch) {
		return
	}
	s.setLabels(nil, 0)
	samplerCache.mu.Lock()
	defer samplerCache.mu.Unlock()
	if len(samplerCache.free) == cachedSamplers {
		samplerCache.free = append(samplerCache.free[:0], samplerCache.free[1:]...)
	}
	samplerCache.free = append(samplerCache.free, cachedSampler{samplerKey{net, maxBatch, serial, guidance, energy}, s})
}

// cacheable reports whether samplers of maxBatch points for net are kept: small ones, of
// networks whose value as a key compares by identity.
func cacheable(net Network, maxBatch int) bool {
	_, mlp := net.(*MLPNetwork)
	return mlp && maxBatch <= cachedPoints
}
