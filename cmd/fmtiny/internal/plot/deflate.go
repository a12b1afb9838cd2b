package plot

// This file compresses a PNG's rows as a zlib stream: compress/zlib would do it, but its
// compressor (dynamic Huffman codes, four strategies) is about 25 KB of code, where a picture of
// flat colours and anti-aliased edges compresses nearly as well with greedy LZ77 matches under
// DEFLATE's fixed Huffman codes (RFC 1951, 3.2.6). compress/flate's decompressor stays linked
// for gzip-compressed IDX files.

const (
	windowSize = 1 << 15 // DEFLATE's largest distance
	maxMatch   = 258
	minMatch   = 3
	hashBits   = 15
	maxChain   = 32 // the most earlier positions tried for a match
)

// The bases and extra bits of DEFLATE's length codes 257..285 and distance codes 0..29.
var (
	lengthBase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	distBase   = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
)

// bitWriter packs DEFLATE's bits, least significant first, into out.
type bitWriter struct {
	out   []byte
	bits  uint64
	nbits uint
}

func (w *bitWriter) put(v uint64, n uint) {
	w.bits |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.bits))
		w.bits >>= 8
		w.nbits -= 8
	}
}

// code writes a Huffman code of n bits, which DEFLATE stores most significant bit first.
func (w *bitWriter) code(c uint64, n uint) {
	var r uint64
	for range n {
		r = r<<1 | c&1
		c >>= 1
	}
	w.put(r, n)
}

// symbol writes a literal/length symbol under the fixed codes.
func (w *bitWriter) symbol(s int) {
	c, n := 0xc0+s-280, uint(8)
	switch {
	case s < 144:
		c = 0x30 + s
	case s < 256:
		c, n = 0x190+s-144, 9
	case s < 280:
		c, n = s-256, 7
	}
	w.code(uint64(c), n)
}

// match writes a match of length n at distance d.
func (w *bitWriter) match(n, d int) {
	k := len(lengthBase) - 1
	for int(lengthBase[k]) > n {
		k--
	}
	w.symbol(257 + k)
	if k >= 8 && k < 28 {
		w.put(uint64(n-int(lengthBase[k])), uint(k-4)/4)
	}
	k = len(distBase) - 1
	for int(distBase[k]) > d {
		k--
	}
	w.code(uint64(k), 5)
	if k >= 4 {
		w.put(uint64(d-int(distBase[k])), uint(k/2-1))
	}
}

// zlibCompress returns src as a zlib stream (RFC 1950) of one fixed-Huffman DEFLATE block.
func zlibCompress(src []byte) []byte {
	w := bitWriter{out: append(make([]byte, 0, len(src)/4+64), 0x78, 0x01)}
	w.put(1|1<<1, 3) // BFINAL, BTYPE 01: fixed Huffman codes
	var head [1 << hashBits]int32
	for i := range head {
		head[i] = -1
	}
	prev := make([]int32, windowSize)
	hash := func(i int) uint32 {
		return (uint32(src[i])<<16 | uint32(src[i+1])<<8 | uint32(src[i+2])) * 2654435761 >> (32 - hashBits)
	}
	insert := func(i int) {
		h := hash(i)
		prev[i&(windowSize-1)] = head[h]
		head[h] = int32(i)
	}
	for i := 0; i < len(src); {
		best, dist := 0, 0
		if i+minMatch <= len(src) {
			h := hash(i)
			limit := min(maxMatch, len(src)-i)
			for j, tries := int(head[h]), 0; j >= 0 && i-j <= windowSize && tries < maxChain; j, tries = int(prev[j&(windowSize-1)]), tries+1 {
				n := 0
				for n < limit && src[j+n] == src[i+n] {
					n++
				}
				if n > best {
					best, dist = n, i-j
					if n == limit {
						break
					}
				}
			}
		}
		if best < minMatch {
			w.symbol(int(src[i]))
			if i+minMatch <= len(src) {
				insert(i)
			}
			i++
			continue
		}
		w.match(best, dist)
		for end := i + best; i < end; i++ {
			if i+minMatch <= len(src) {
				insert(i)
			}
		}
	}
	w.symbol(256)
	if w.nbits > 0 {
		w.out = append(w.out, byte(w.bits))
	}
	a, b := uint32(1), uint32(0)
	for len(src) > 0 {
		n := min(len(src), 5552) // the most bytes before b can overflow
		for _, c := range src[:n] {
			a += uint32(c)
			b += a
		}
		a, b, src = a%65521, b%65521, src[n:]
	}
	return append(w.out, byte(b>>8), byte(b), byte(a>>8), byte(a))
}
