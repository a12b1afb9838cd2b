package main

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/fmtiny/fmtiny/nn"
)

// jsonObject writes one JSON object by hand: encoding/json would add a tenth to the binary for
// the few objects fmtiny prints.
type jsonObject struct{ b []byte }

func (o *jsonObject) key(k string) {
	if len(o.b) == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.b = append(appendJSONString(o.b, k), ':')
}

func (o *jsonObject) str(k, v string) { o.key(k); o.b = appendJSONString(o.b, v) }

func (o *jsonObject) num(k string, v float64) { o.key(k); o.b = appendJSONFloat(o.b, v) }

func (o *jsonObject) int(k string, v int64) { o.key(k); o.b = strconv.AppendInt(o.b, v, 10) }

func (o *jsonObject) uint(k string, v uint64) { o.key(k); o.b = strconv.AppendUint(o.b, v, 10) }

func (o *jsonObject) bool(k string, v bool) { o.key(k); o.b = strconv.AppendBool(o.b, v) }

func (o *jsonObject) null(k string) { o.key(k); o.b = append(o.b, "null"...) }

// object writes another object (nil: null) as the value of k.
func (o *jsonObject) object(k string, v *jsonObject) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = append(o.b, v.bytes()...)
}

func (o *jsonObject) floats(k string, v []float64) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, x := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendJSONFloat(o.b, x)
	}
	o.b = append(o.b, ']')
}

func (o *jsonObject) ints(k string, v []int) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, x := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = strconv.AppendInt(o.b, int64(x), 10)
	}
	o.b = append(o.b, ']')
}

func (o *jsonObject) strs(k string, v []string) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, x := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendJSONString(o.b, x)
	}
	o.b = append(o.b, ']')
}

// strMap writes a map of strings as an object, its keys sorted.
func (o *jsonObject) strMap(k string, m map[string]string) {
	var inner jsonObject
	for _, key := range nn.SortedKeys(m) {
		inner.str(key, m[key])
	}
	o.object(k, &inner)
}

// bytes returns the object's text.
func (o *jsonObject) bytes() []byte {
	if len(o.b) == 0 {
		return []byte("{}")
	}
	return append(o.b[:len(o.b):len(o.b)], '}')
}

// appendJSONFloat appends v in its shortest form, or null for NaN and infinities, which JSON lacks.
func appendJSONFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendJSONString appends s as a JSON string; each run of bytes that are not UTF-8 becomes
// one U+FFFD, as strings.ToValidUTF8 makes it.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	invalid := false // the last byte was not UTF-8
	for i, c := range s {
		if c == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				if invalid {
					continue
				}
				invalid = true
				b = utf8.AppendRune(b, c)
				continue
			}
		}
		invalid = false
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', byte(c))
		case c < 0x20:
			b = fmt.Appendf(b, "\\u%04x", c)
		default:
			b = utf8.AppendRune(b, c)
		}
	}
	return append(b, '"')
}
