package nn

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file parses a safetensors JSON header with a small strict JSON reader of its own:
// encoding/json silently keeps the last of two equal keys and its token API allocates tens of
// bytes per token, while this reader detects duplicates and allocates little more than the
// names and shapes it returns. It accepts what RFC 8259 accepts, limits nesting to 128 levels as
// serde_json does, and rejects lone UTF-16 surrogates in escapes as serde_json does.

// maxDepth is serde_json's default recursion limit.
const maxDepth = 128

// headerParser reads JSON from b, position i.
type headerParser struct {
	b []byte
	s string // b as one string, whose substrings are the strings without escapes
	i int
}

// errorf returns an error that gives the byte position in the header.
func (p *headerParser) errorf(format string, args ...any) error {
	return errorf("invalid JSON at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *headerParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (p *headerParser) peek() byte {
	p.skipSpace()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// expect consumes the byte c after white space.
func (p *headerParser) expect(c byte) error {
	if got := p.peek(); got != c {
		if got == 0 {
			return p.errorf("unexpected end, want %q", c)
		}
		return p.errorf("found %q, want %q", got, c)
	}
	p.i++
	return nil
}

// members calls f for each key of the object that starts at the next token, f reading the
// value; it checks the separators and, when dupCheck is set, that no key repeats.
func (p *headerParser) members(dupCheck bool, f func(key string) error) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek() == '}' {
		p.i++
		return nil
	}
	var seen map[string]struct{}
	if dupCheck {
		seen = map[string]struct{}{}
	}
	for {
		if p.peek() != '"' {
			return p.errorf("want an object key")
		}
		key, err := p.str()
		if err != nil {
			return err
		}
		if dupCheck {
			if _, dup := seen[key]; dup {
				return errorf("duplicate key %q", key)
			}
			seen[key] = struct{}{}
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := f(key); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return p.errorf("want ',' or '}' after the value of %q", key)
		}
	}
}

// str reads a string token.
func (p *headerParser) str() (string, error) {
	if err := p.expect('"'); err != nil {
		return "", err
	}
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errorf("control character %#x in a string", c)
		}
		p.i++
	}
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character %#x in a string", c)
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++ // the backslash
		if p.i >= len(p.b) {
			break
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 || p.i+2 > len(p.b) || p.b[p.i] != '\\' || p.b[p.i+1] != 'u' {
					return "", p.errorf("lone UTF-16 surrogate in a \\u escape")
				}
				p.i += 2
				r2, err := p.hex4()
				if err != nil {
					return "", err
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", p.errorf("lone UTF-16 surrogate in a \\u escape")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf("invalid escape \\%c", e)
		}
	}
	return "", p.errorf("unterminated string")
}

// hex4 reads the four hex digits of a \u escape.
func (p *headerParser) hex4() (rune, error) {
	if p.i+4 > len(p.b) {
		return 0, p.errorf("short \\u escape")
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, p.errorf("invalid \\u escape")
		}
	}
	p.i += 4
	return r, nil
}

// number reads a JSON number token and returns its text.
func (p *headerParser) number() ([]byte, error) {
	p.skipSpace()
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, p.errorf("invalid number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	return p.b[start:p.i], nil
}

// literal reads true, false or null.
func (p *headerParser) literal(word string) error {
	p.skipSpace()
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return p.errorf("invalid value")
	}
	p.i += len(word)
	return nil
}

// skipValue reads any JSON value and discards it.
func (p *headerParser) skipValue(depth int) error {
	if depth > maxDepth {
		return p.errorf("nested more than %d deep", maxDepth)
	}
	switch c := p.peek(); {
	case c == '{':
		return p.members(true, func(string) error { return p.skipValue(depth + 1) })
	case c == '[':
		return p.elements(func() error { return p.skipValue(depth + 1) })
	case c == '"':
		_, err := p.str()
		return err
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := p.number()
		return err
	case c == 0:
		return p.errorf("unexpected end, want a value")
	default:
		return p.errorf("invalid character %q, want a value", c)
	}
}

// elements calls f for each element of the array that starts at the next token.
func (p *headerParser) elements(f func() error) error {
	if err := p.expect('['); err != nil {
		return err
	}
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		if err := f(); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return p.errorf("want ',' or ']' in an array")
		}
	}
}

// uints reads an array of non-negative integers that fit an int. The result is allocated once
// at its final size (counted ahead), so that a shape of a million dimensions costs 8 bytes for
// each 2 bytes ("1,") of header.
func (p *headerParser) uints(what string) ([]int, error) {
	if p.peek() != '[' {
		return nil, errorf("%s is not an array", what)
	}
	n := 1
	if end := bytes.IndexByte(p.b[p.i:], ']'); end >= 0 {
		for _, c := range p.b[p.i : p.i+end] {
			if c == ',' {
				n++
			}
		}
	}
	out := make([]int, 0, n)
	err := p.elements(func() error {
		c := p.peek()
		if c != '-' && (c < '0' || c > '9') {
			if err := p.skipValue(1); err != nil {
				return err
			}
			return errorf("%s holds a value that is not an integer", what)
		}
		num, err := p.number()
		if err != nil {
			return err
		}
		v, ok := parseInt(num)
		if !ok {
			return errorf("%s holds %s, not an integer in [0, 2^%d)", what, num, strconv.IntSize-1)
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// parseInt reads a number token made of decimal digits alone whose value fits an int.
func parseInt(num []byte) (int, bool) {
	v := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int(c - '0')
		if v > (math.MaxInt-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// parseHeader reads the header's JSON object into the tensors' entries and the metadata.
func parseHeader(header []byte) ([]tensorInfo, map[string]string, error) {
	p := &headerParser{b: header, s: string(header)}
	if c := p.peek(); c != '{' {
		if c == 0 {
			return nil, nil, p.errorf("empty header")
		}
		return nil, nil, errors.New("not a JSON object")
	}
	var infos []tensorInfo
	var meta map[string]string
	err := p.members(true, func(name string) error {
		if name == metadataKey {
			m, err := p.metadata()
			if err != nil {
				return errorf("%s: %w", metadataKey, err)
			}
			meta = m
			return nil
		}
		info, err := p.tensorInfo()
		if err != nil {
			return errorf("tensor %q: %w", name, err)
		}
		info.name = name
		infos = append(infos, info)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if p.peek() != 0 {
		return nil, nil, p.errorf("data after the JSON object")
	}
	return infos, meta, nil
}

// metadata reads null or an object of strings.
func (p *headerParser) metadata() (map[string]string, error) {
	switch p.peek() {
	case 'n':
		return nil, p.literal("null")
	case '{':
	default:
		return nil, errors.New("not an object of strings")
	}
	// Count the entries first and make the map at its size: grown entry by entry, a map of
	// many tiny entries took over 20 times the header's size.
	value := func(key string) (string, error) {
		if p.peek() != '"' {
			return "", errorf("value of %q is not a string", key)
		}
		return p.str()
	}
	start, n := p.i, 0
	if err := p.members(false, func(key string) error {
		n++
		_, err := value(key)
		return err
	}); err != nil {
		return nil, err
	}
	p.i = start
	meta := make(map[string]string, n)
	err := p.members(false, func(key string) error {
		if _, dup := meta[key]; dup {
			return errorf("duplicate key %q", key)
		}
		v, err := value(key)
		meta[key] = v
		return err
	})
	return meta, err
}

// tensorInfo reads {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}; other fields
// are skipped, as the reference parser skips them.
func (p *headerParser) tensorInfo() (tensorInfo, error) {
	var info tensorInfo
	if p.peek() != '{' {
		return info, errors.New("entry is not an object")
	}
	var haveDtype, haveShape, haveOffsets bool
	err := p.members(true, func(field string) error {
		switch field {
		case "dtype":
			haveDtype = true
			if p.peek() != '"' {
				return errors.New("dtype is not a string")
			}
			s, err := p.str()
			if err != nil {
				return err
			}
			if _, known := dtypeBits[s]; !known {
				return errorf("unknown dtype %q", s)
			}
			info.dtype = s
		case "shape":
			haveShape = true
			dims, err := p.uints("shape")
			if err != nil {
				return err
			}
			info.shape = dims
		case "data_offsets":
			haveOffsets = true
			off, err := p.uints("data_offsets")
			if err != nil {
				return err
			}
			if len(off) != 2 {
				return errorf("data_offsets has %d values, want 2", len(off))
			}
			info.begin, info.end = uint64(off[0]), uint64(off[1])
		default:
			return p.skipValue(2)
		}
		return nil
	})
	if err != nil {
		return info, err
	}
	switch {
	case !haveDtype:
		return info, errors.New("missing field dtype")
	case !haveShape:
		return info, errors.New("missing field shape")
	case !haveOffsets:
		return info, errors.New("missing field data_offsets")
	}
	return info, nil
}
