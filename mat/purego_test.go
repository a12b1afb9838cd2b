//go:build purego || noasm

package mat

// puregoTag is true when the build excludes assembly, so only the Go kernel set exists.
const puregoTag = true
