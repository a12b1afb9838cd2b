package plot

import "fmt"

// errorf is fmt.Errorf, but not inlined: fmt.Errorf inlines an allocation (errors.New) into
// every caller, some 50 bytes of code at each of this package's many error returns.
//
//go:noinline
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
