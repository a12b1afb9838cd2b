// Package fileio is fmtiny's file plumbing: files written whole or not at all, through a
// temporary file renamed over the target, and regular files read up to a limit.
package fileio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ReadLimited reads a regular file of at most limit bytes; a directory, a device such as
// /dev/zero or an over-large file is an error naming it, not an attempt to read forever.
func ReadLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		what := "not a regular file"
		if st.IsDir() {
			what = "a directory"
		}
		return nil, errorf("%s: is %s", path, what)
	}
	if st.Size() > limit {
		return nil, errorf("%s: %d bytes is more than the %d allowed", path, st.Size(), limit)
	}
	data := make([]byte, 0, st.Size())
	buf := bytes.NewBuffer(data)
	// The size may change under us; never read more than the limit.
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, errorf("%s: %w", path, err)
	}
	if int64(buf.Len()) > limit {
		return nil, errorf("%s: more than %d bytes", path, limit)
	}
	return buf.Bytes(), nil
}

// WriteAtomic writes a file through a temporary file in the same folder, synced and renamed
// over path, so that readers and crashes see the old file or the new one, whole. If write or
// any step fails (a full disk, say), the temporary file is removed and path is untouched.
func WriteAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errorf("%s: is a directory", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return errorf("%s: %w", path, unwrapPathError(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return errorf("write %s: %w", path, unwrapPathError(err))
	}
	if err = f.Sync(); err != nil {
		return errorf("write %s: %w", path, unwrapPathError(err))
	}
	if err = f.Close(); err != nil {
		return errorf("write %s: %w", path, unwrapPathError(err))
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return errorf("write %s: %w", path, unwrapPathError(err))
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return errorf("write %s: %w", path, unwrapPathError(err))
	}
	// Make the rename itself durable.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// RemoveStaleTemporaries removes the temporary files WriteAtomic left beside path when the
// process writing it was killed (kill -9, a power cut) before it could remove them. Call it
// only where no other process may be writing path at the same time.
func RemoveStaleTemporaries(path string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// The folder's entries in the order the system gives them (os.ReadDir would sort them,
	// which links a sort for this one use).
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	ents, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return err
	}
	// os.CreateTemp replaces the pattern's * by decimal digits.
	prefix := "." + base + ".tmp"
	var errs []error
	for _, e := range ents {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// unwrapPathError drops the temporary file's name from an error, which would only confuse.
// (Not inlined into its callers: As is a call either way.)
//
//go:noinline
func unwrapPathError(err error) error {
	if pe, ok := As[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}

// As is errors.As for an error type T, as in As[*os.PathError](err): the first error in err's
// tree, depth first, that is a T or whose As method makes one. It spares the binary errors.As
// and the reflection it needs for targets of any type; the T of fmtiny's callers are pointers,
// so that one copy of As serves them all.
func As[T error](err error) (T, bool) {
	for {
		if t, ok := err.(T); ok {
			return t, true
		}
		var t T
		if x, ok := err.(interface{ As(any) bool }); ok && x.As(&t) {
			return t, true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if t, ok := As[T](e); ok {
					return t, true
				}
			}
			return t, false
		default:
			return t, false
		}
	}
}

// crcTable is the byte-at-a-time table of the IEEE CRC-32.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i)
		for range 8 {
			c = c>>1 ^ 0xedb88320&-(c&1)
		}
		t[i] = c
	}
	return t
}()

// CRC32 extends crc, the IEEE CRC-32 of some bytes (0 for none), with p: the checksum of gzip
// members and PNG chunks, as hash/crc32.Update(crc, crc32.IEEETable, p) computes it, without
// that package's several implementations.
func CRC32(crc uint32, p []byte) uint32 {
	crc = ^crc
	for _, b := range p {
		crc = crcTable[byte(crc)^b] ^ crc>>8
	}
	return ^crc
}
