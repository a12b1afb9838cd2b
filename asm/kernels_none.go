//go:build !((amd64 || arm64) && gc && !purego && !noasm)

package asm

// archSets returns no set: this build has no assembly (another architecture, another
// compiler, or the purego or noasm tag), so the Go set is the only one.
func archSets() []*Set { return nil }
