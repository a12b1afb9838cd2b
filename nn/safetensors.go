package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Tensor is one named tensor of a state dict, its values row-major.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// maxHeaderSize is the reference parser's limit on the JSON header (safetensors' MAX_HEADER_SIZE).
const maxHeaderSize = 100_000_000

// metadataKey is the header entry that holds the free-form string-to-string metadata.
const metadataKey = "__metadata__"

// WriteSafetensors writes tensors as a safetensors file of F32 data with metadata meta (which may
// be nil). As the reference writer does, it orders the tensors by name, writes the metadata
// first and the tensors' entries with dtype, shape and data_offsets in that order in compact
// JSON, and pads the header with spaces to a multiple of 8 bytes; metadata keys, which the
// reference writes in hash order, are sorted so that the output is deterministic.
func WriteSafetensors(w io.Writer, tensors []Tensor, meta map[string]string) error {
	order := make([]*Tensor, len(tensors))
	for i := range order {
		order[i] = &tensors[i]
	}
	slices.SortFunc(order, func(a, b *Tensor) int { return strings.Compare(a.Name, b.Name) })

	var hdr bytes.Buffer
	hdr.WriteByte('{')
	if meta != nil {
		keys := SortedKeys(meta)
		hdr.WriteString(`"` + metadataKey + `":{`)
		for i, k := range keys {
			if !utf8.ValidString(k) || !utf8.ValidString(meta[k]) {
				return errorf("metadata %q: not valid UTF-8", k)
			}
			if i > 0 {
				hdr.WriteByte(',')
			}
			writeJSONString(&hdr, k)
			hdr.WriteByte(':')
			writeJSONString(&hdr, meta[k])
		}
		hdr.WriteByte('}')
	}
	var offset uint64
	for i, t := range order {
		switch {
		case t.Name == metadataKey:
			return errorf("tensor name %q is reserved", t.Name)
		case !utf8.ValidString(t.Name):
			return errorf("tensor name %q: not valid UTF-8", t.Name)
		case i > 0 && t.Name == order[i-1].Name:
			return errorf("tensor %q: duplicate name", t.Name)
		}
		size := 1
		for _, d := range t.Shape {
			if d < 0 {
				return errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			size *= d
		}
		if size != len(t.Data) {
			return errorf("tensor %q: shape %v holds %d values, data has %d", t.Name, t.Shape, size, len(t.Data))
		}
		if meta != nil || i > 0 {
			hdr.WriteByte(',')
		}
		writeJSONString(&hdr, t.Name)
		hdr.WriteString(`:{"dtype":"F32","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				hdr.WriteByte(',')
			}
			hdr.WriteString(strconv.Itoa(d))
		}
		end := offset + 4*uint64(len(t.Data))
		fmt.Fprintf(&hdr, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	if hdr.Len() > maxHeaderSize {
		return errorf("header of %d bytes is larger than %d", hdr.Len(), maxHeaderSize)
	}

	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(hdr.Len()))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	for _, t := range order {
		for _, v := range t.Data {
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// writeJSONString writes s as a JSON string escaped as serde_json escapes it: the quote, the
// backslash and control characters only (\b \t \n \f \r, others as \u00xx), nothing else.
func writeJSONString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// dtypeBits gives the element size in bits of every dtype the reference format defines.
var dtypeBits = map[string]uint64{
	"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8,
	"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32,
	"C64": 64, "F64": 64, "I64": 64, "U64": 64,
}

// tensorInfo is one tensor's header entry.
type tensorInfo struct {
	name       string
	dtype      string
	shape      []int
	begin, end uint64
}

// ReadSafetensors parses a whole safetensors file, validating it as the reference parser
// (safetensors' SafeTensors::deserialize) does, and converts F16, BF16 and F64 data to float32
// (exactly, but for F64's rounding). The tensors come in the order of their data in the file.
// Every failure is an error naming the problem; no input makes it panic, and it allocates a
// small multiple of len(data) at most.
func ReadSafetensors(data []byte) (tensors []Tensor, meta map[string]string, err error) {
	if len(data) < 8 {
		return nil, nil, errorf("file of %d bytes is too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeaderSize {
		return nil, nil, errorf("header length %d is larger than the limit of %d bytes", n, maxHeaderSize)
	}
	if n > uint64(len(data)-8) {
		return nil, nil, errorf("header length %d runs past the end of the file (%d bytes after the length)", n, len(data)-8)
	}
	header := data[8 : 8+n]
	body := data[8+n:]
	if !utf8.Valid(header) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	infos, meta, err := parseHeader(header)
	if err != nil {
		return nil, nil, errorf("header: %w", err)
	}

	// Offsets: sorted by (begin, end), they must tile [0, len(body)) exactly.
	// Sorted stably, through pointers to them, ties in the order of their addresses: a sort of
	// pointers shares its code with the others.
	order := make([]*tensorInfo, len(infos))
	for i := range order {
		order[i] = &infos[i]
	}
	slices.SortFunc(order, func(a, b *tensorInfo) int {
		if a.begin != b.begin {
			return cmpUint(a.begin, b.begin)
		}
		if a.end != b.end {
			return cmpUint(a.end, b.end)
		}
		return cmpUint(uint64(uintptr(unsafe.Pointer(a))), uint64(uintptr(unsafe.Pointer(b))))
	})
	sorted := make([]tensorInfo, len(infos))
	for i, k := range order {
		sorted[i] = *k
	}
	infos = sorted
	var start uint64
	for _, t := range infos {
		if t.begin != start || t.end < t.begin {
			return nil, nil, errorf("tensor %q: data_offsets [%d, %d] do not start where the previous tensor ends (%d)", t.name, t.begin, t.end, start)
		}
		start = t.end
		elems := uint64(1)
		for _, d := range t.shape {
			hi, lo := bits.Mul64(elems, uint64(d))
			if hi != 0 {
				return nil, nil, errorf("tensor %q: shape %v overflows", t.name, t.shape)
			}
			elems = lo
		}
		hi, nbits := bits.Mul64(elems, dtypeBits[t.dtype])
		if hi != 0 {
			return nil, nil, errorf("tensor %q: shape %v of %s overflows", t.name, t.shape, t.dtype)
		}
		if nbits%8 != 0 {
			return nil, nil, errorf("tensor %q: shape %v of %s does not fill whole bytes", t.name, t.shape, t.dtype)
		}
		if t.end-t.begin != nbits/8 {
			return nil, nil, errorf("tensor %q: shape %v of %s takes %d bytes, data_offsets [%d, %d] hold %d", t.name, t.shape, t.dtype, nbits/8, t.begin, t.end, t.end-t.begin)
		}
	}
	if start != uint64(len(body)) {
		return nil, nil, errorf("tensors cover %d bytes of data, the file has %d after the header", start, len(body))
	}

	for _, t := range infos {
		switch t.dtype {
		case "F32", "F16", "BF16", "F64":
		default:
			return nil, nil, errorf("tensor %q: dtype %s is not supported (want F32, F16, BF16 or F64)", t.name, t.dtype)
		}
	}
	tensors = make([]Tensor, len(infos))
	for i, t := range infos {
		tensors[i] = Tensor{Name: t.name, Shape: t.shape, Data: decode(t.dtype, body[t.begin:t.end])}
	}
	return tensors, meta, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// decode converts little-endian raw values of a float dtype to float32.
func decode(dtype string, raw []byte) []float32 {
	switch dtype {
	case "F32":
		out := make([]float32, len(raw)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return out
	case "F16":
		out := make([]float32, len(raw)/2)
		for i := range out {
			out[i] = f16ToF32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		return out
	case "BF16":
		out := make([]float32, len(raw)/2)
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
		return out
	case "F64":
		out := make([]float32, len(raw)/8)
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
		return out
	}
	panic("nn: decode of unsupported dtype " + dtype)
}

// f16ToF32 converts IEEE binary16 to binary32 exactly: every half value, subnormals, infinities
// and NaNs (whose payload moves to the top of the wider mantissa) included.
func f16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal: frac * 2^-24, normal in float32. Shift the leading one up to bit 10.
	e := uint32(127 - 15 + 1)
	for frac&0x400 == 0 {
		frac <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
}

// SortedKeys returns the keys of m in increasing order. It sorts pointers to them, which
// shares its code with the other sorts of pointers in a binary that must stay small.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	order := make([]*string, len(keys))
	for i := range order {
		order[i] = &keys[i]
	}
	slices.SortFunc(order, func(a, b *string) int { return strings.Compare(*a, *b) })
	sorted := make([]string, len(keys))
	for i, k := range order {
		sorted[i] = *k
	}
	return sorted
}
