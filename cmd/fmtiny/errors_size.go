package main

import (
	"fmt"
	"strconv"
)

// errorf is fmt.Errorf, but not inlined: fmt.Errorf inlines an allocation (errors.New) into
// every caller, some 50 bytes of code at each of this package's many error returns.
//
//go:noinline
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// formatFloat and itoa are strconv.FormatFloat and strconv.Itoa, but not inlined: inlined,
// each puts a buffer's setup and a fast path into each of the package's many callers (and
// into each call of a closure over them), some 50 to 100 bytes of code each time.
//
//go:noinline
func formatFloat(f float64, fmt byte, prec, bitSize int) string {
	return strconv.FormatFloat(f, fmt, prec, bitSize)
}

//go:noinline
func itoa(i int) string { return strconv.Itoa(i) }
