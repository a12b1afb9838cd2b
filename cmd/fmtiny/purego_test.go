//go:build purego

package main

// The child fmtiny binary the tests build runs the pure-Go kernels too.
func init() { buildTags = append(buildTags, "purego") }
