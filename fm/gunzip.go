package fm

import (
	"bufio"
	"errors"
	"io"

	"github.com/fmtiny/fmtiny/fm/fileio"
)

// This file reads gzip files (RFC 1952) of DEFLATE data (RFC 1951), after Mark Adler's puff:
// compress/gzip would do it, but compress/flate links its compressor's tables and their sort
// too, about 20 KB of a binary that must stay small. Members follow one another as in
// compress/gzip's multistream mode; every member's CRC-32 and length are checked.

var (
	errGzipHeader   = errors.New("invalid header")
	errGzipChecksum = errors.New("invalid gzip checksum")
	errDeflate      = errors.New("corrupt deflate data")
)

// The bases and extra bits of DEFLATE's length codes 257..285 and distance codes 0..29.
var (
	inflateLengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	inflateLengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	inflateDistBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	codeLengthOrder    = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// huffman is a canonical Huffman code: how many codes each length has, the symbols in code
// order, and for the codes of up to 9 bits, symbol<<4 | length under each 9 bits they begin.
type huffman struct {
	count  [16]uint16
	symbol [288]uint16
	fast   [512]uint16
}

// build makes the code of the given lengths; it must be complete, but for a code of one symbol
// (of length 1) or of none, as compress/flate allows.
func (h *huffman) build(lengths []uint8) error {
	h.count = [16]uint16{}
	for _, l := range lengths {
		h.count[l]++
	}
	if int(h.count[0]) == len(lengths) {
		return nil
	}
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return errDeflate
		}
	}
	if left > 0 && !(left == 1<<14 && h.count[1] == 1) { // one code, of length 1
		return errDeflate
	}
	var offs [16]uint16
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	var next [16]int // the next code of each length
	for l := 2; l < 16; l++ {
		next[l] = (next[l-1] + int(h.count[l-1])) << 1
	}
	h.fast = [512]uint16{}
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		h.symbol[offs[l]] = uint16(s)
		offs[l]++
		if l <= 9 {
			c, rev := next[l], 0
			for range l {
				rev, c = rev<<1|c&1, c>>1
			}
			for j := rev; j < 512; j += 1 << l {
				h.fast[j] = uint16(s)<<4 | uint16(l)
			}
		}
		next[l]++
	}
	return nil
}

// gunzip reads a gzip stream's uncompressed bytes.
type gunzip struct {
	r     *bufio.Reader
	bits  uint32 // bits read and not used, least significant first
	nbits uint
	hist  []byte // the output: the last 32 KiB at least, then what Read has not returned
	next  int    // where the bytes Read has not returned start in hist
	crc   uint32 // of the member's output so far
	size  uint32 // its length, mod 2^32
	final bool   // the member's last block has begun
	in    bool   // within a block
	store int    // a stored block's bytes left, or -1 in a Huffman-coded one
	lit   huffman
	dist  huffman
	err   error
}

func newGunzip(r *bufio.Reader) (*gunzip, error) {
	g := &gunzip{r: r, hist: make([]byte, 0, 1<<17)}
	return g, g.header()
}

// header reads a member's header.
func (g *gunzip) header() error {
	var h [10]byte
	if _, err := io.ReadFull(g.r, h[:]); err != nil {
		return noEOF(err)
	}
	if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || h[3]&0xe0 != 0 {
		return errGzipHeader
	}
	flags := h[3]
	if flags&4 != 0 { // FEXTRA
		var n [2]byte
		if _, err := io.ReadFull(g.r, n[:]); err != nil {
			return noEOF(err)
		}
		if _, err := g.r.Discard(int(n[0]) | int(n[1])<<8); err != nil {
			return noEOF(err)
		}
	}
	for _, f := range []byte{8, 16} { // FNAME, FCOMMENT: zero-terminated
		if flags&f != 0 {
			for {
				_, err := g.r.ReadSlice(0)
				if err == nil {
					break
				}
				if err != bufio.ErrBufferFull {
					return noEOF(err)
				}
			}
		}
	}
	if flags&2 != 0 { // FHCRC, not checked, as compress/gzip does not
		if _, err := g.r.Discard(2); err != nil {
			return noEOF(err)
		}
	}
	g.hist, g.next, g.crc, g.size, g.final, g.in = g.hist[:0], 0, 0, 0, false, false
	return nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (g *gunzip) Read(p []byte) (int, error) {
	for g.next == len(g.hist) && g.err == nil {
		g.err = g.fill()
	}
	n := copy(p, g.hist[g.next:])
	g.next += n
	if n == 0 {
		return 0, g.err
	}
	return n, nil
}

// need makes at least n (at most 24) bits available.
func (g *gunzip) need(n uint) error {
	for g.nbits < n {
		b, err := g.r.ReadByte()
		if err != nil {
			return noEOF(err)
		}
		g.bits |= uint32(b) << g.nbits
		g.nbits += 8
	}
	return nil
}

// aligned fills p from a byte boundary: first the whole bytes read ahead into bits (at most 3
// after a decode), then the input's.
func (g *gunzip) aligned(p []byte) error {
	g.bits >>= g.nbits % 8
	g.nbits -= g.nbits % 8
	i := 0
	for ; i < len(p) && g.nbits > 0; i++ {
		p[i] = byte(g.bits)
		g.bits >>= 8
		g.nbits -= 8
	}
	_, err := io.ReadFull(g.r, p[i:])
	return noEOF(err)
}

// take returns the next n bits.
func (g *gunzip) take(n uint) (int, error) {
	if err := g.need(n); err != nil {
		return 0, err
	}
	v := int(g.bits & (1<<n - 1))
	g.bits >>= n
	g.nbits -= n
	return v, nil
}

// decode reads one symbol of code h: by its table when it is short, else a bit at a time.
func (g *gunzip) decode(h *huffman) (int, error) {
	for g.nbits < 24 {
		b, err := g.r.ReadByte()
		if err != nil {
			break // the bits at hand may do; a bit at a time says when not
		}
		g.bits |= uint32(b) << g.nbits
		g.nbits += 8
	}
	if e := h.fast[g.bits&511]; e != 0 && uint(e&15) <= g.nbits {
		g.bits >>= e & 15
		g.nbits -= uint(e & 15)
		return int(e >> 4), nil
	}
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		if g.nbits == 0 {
			if err := g.need(1); err != nil {
				return 0, err
			}
		}
		code |= int(g.bits & 1)
		g.bits >>= 1
		g.nbits--
		count := int(h.count[l])
		if code-first < count {
			return int(h.symbol[index+code-first]), nil
		}
		index += count
		first = (first + count) << 1
		code <<= 1
	}
	return 0, errDeflate
}

// fill adds output to hist, keeping 32 KiB of history, or ends the stream.
func (g *gunzip) fill() error {
	if len(g.hist) >= 1<<16 {
		g.hist = append(g.hist[:0], g.hist[len(g.hist)-1<<15:]...)
		g.next = len(g.hist)
	}
	start := len(g.hist)
	var err error
	switch {
	case !g.in && g.final:
		return g.trailer()
	case !g.in:
		err = g.blockHeader()
	case g.store >= 0:
		n := min(g.store, 1<<15)
		g.hist = g.hist[:start+n]
		if _, err = io.ReadFull(g.r, g.hist[start:]); err != nil {
			g.hist = g.hist[:start]
			return noEOF(err)
		}
		g.store -= n
		g.in = g.store > 0
	default:
		err = g.symbols()
	}
	g.crc = fileio.CRC32(g.crc, g.hist[start:])
	g.size += uint32(len(g.hist) - start)
	return err
}

// blockHeader reads a block's type and its codes or its stored length.
func (g *gunzip) blockHeader() error {
	h, err := g.take(3)
	if err != nil {
		return err
	}
	g.final, g.in, g.store = h&1 != 0, true, -1
	switch h >> 1 {
	case 0:
		var n [4]byte
		if err := g.aligned(n[:]); err != nil {
			return err
		}
		size := int(n[0]) | int(n[1])<<8
		if size != ^(int(n[2])|int(n[3])<<8)&0xffff {
			return errDeflate
		}
		g.store, g.in = size, size > 0
		return nil
	case 1:
		var l [288]uint8
		for i := range l {
			switch {
			case i < 144 || i >= 280:
				l[i] = 8
			case i < 256:
				l[i] = 9
			default:
				l[i] = 7
			}
		}
		if err := g.lit.build(l[:]); err != nil {
			return err
		}
		// The fixed distance code: 32 symbols of 5 bits, of which 30 and 31 are never valid.
		for i := range 32 {
			l[i] = 5
		}
		return g.dist.build(l[:32])
	case 2:
		return g.dynamic()
	}
	return errDeflate
}

// dynamic reads a block's Huffman codes.
func (g *gunzip) dynamic() error {
	v, err := g.take(14)
	if err != nil {
		return err
	}
	nlit, ndist, nlen := v&31+257, v>>5&31+1, v>>10+4
	if nlit > 286 || ndist > 30 {
		return errDeflate
	}
	var lengths [286 + 30]uint8
	for i := range nlen {
		l, err := g.take(3)
		if err != nil {
			return err
		}
		lengths[codeLengthOrder[i]] = uint8(l)
	}
	var lc huffman
	if err := lc.build(lengths[:19]); err != nil {
		return err
	}
	lengths = [286 + 30]uint8{}
	for i := 0; i < nlit+ndist; {
		s, err := g.decode(&lc)
		if err != nil {
			return err
		}
		if s < 16 {
			lengths[i] = uint8(s)
			i++
			continue
		}
		var rep, prev int
		switch s {
		case 16:
			if i == 0 {
				return errDeflate
			}
			prev = int(lengths[i-1])
			rep, err = g.take(2)
			rep += 3
		case 17:
			rep, err = g.take(3)
			rep += 3
		default:
			rep, err = g.take(7)
			rep += 11
		}
		if err != nil {
			return err
		}
		if i+rep > nlit+ndist {
			return errDeflate
		}
		for range rep {
			lengths[i] = uint8(prev)
			i++
		}
	}
	if lengths[256] == 0 {
		return errDeflate
	}
	if err := g.lit.build(lengths[:nlit]); err != nil {
		return err
	}
	return g.dist.build(lengths[nlit : nlit+ndist])
}

// symbols decodes a Huffman-coded block until it ends or 32 KiB more are out.
func (g *gunzip) symbols() error {
	for end := len(g.hist) + 1<<15; len(g.hist) < end; {
		// Literals by the table, inline: most of a block's symbols.
		if g.nbits >= 9 {
			if e := g.lit.fast[g.bits&511]; e != 0 && e < 256<<4 {
				g.bits >>= e & 15
				g.nbits -= uint(e & 15)
				g.hist = append(g.hist, byte(e>>4))
				continue
			}
		}
		s, err := g.decode(&g.lit)
		if err != nil {
			return err
		}
		switch {
		case s < 256:
			g.hist = append(g.hist, byte(s))
			continue
		case s == 256:
			g.in = false
			return nil
		case s > 285:
			return errDeflate
		}
		s -= 257
		n, err := g.take(uint(inflateLengthExtra[s]))
		if err != nil {
			return err
		}
		n += int(inflateLengthBase[s])
		if s, err = g.decode(&g.dist); err != nil {
			return err
		}
		if s > 29 {
			return errDeflate
		}
		d, err := g.take(uint(max(s/2-1, 0)))
		if err != nil {
			return err
		}
		d += int(inflateDistBase[s])
		if d > len(g.hist) {
			return errDeflate
		}
		if at := len(g.hist) - d; d >= n {
			g.hist = append(g.hist, g.hist[at:at+n]...)
		} else {
			for i := range n {
				g.hist = append(g.hist, g.hist[at+i])
			}
		}
	}
	return nil
}

// trailer checks a member's CRC-32 and length, and starts the next member if one follows.
func (g *gunzip) trailer() error {
	var t [8]byte
	if err := g.aligned(t[:]); err != nil {
		return err
	}
	crc := uint32(t[0]) | uint32(t[1])<<8 | uint32(t[2])<<16 | uint32(t[3])<<24
	size := uint32(t[4]) | uint32(t[5])<<8 | uint32(t[6])<<16 | uint32(t[7])<<24
	if crc != g.crc || size != g.size {
		return errGzipChecksum
	}
	if _, err := g.r.Peek(1); err == io.EOF {
		return io.EOF
	}
	return g.header()
}
