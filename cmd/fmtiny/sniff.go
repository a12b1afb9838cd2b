package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// notAModel returns an error saying that the file at path is not a safetensors model file, and
// what it looks like, when that is plain from its first bytes: the 8-byte length of its header
// runs past the end of the file and the header does not start with '{'. It returns nil for any
// other file (one that cannot be opened, too short, or damaged in another way), which the loader
// then describes.
func notAModel(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if n < 9 {
		return nil
	}
	length := binary.LittleEndian.Uint64(head)
	if length <= uint64(st.Size()-8) || head[8] == '{' {
		return nil
	}
	return errorf("%s: not a safetensors model file (%s)", path, lookLike(head, length, st.Size()))
}

// lookLike says what kind of file starts with head, or what is wrong with it.
func lookLike(head []byte, length uint64, size int64) string {
	for _, m := range []struct{ magic, what string }{
		{"\x89PNG", "it looks like a PNG picture"},
		{"PK\x03\x04", "it looks like a zip archive: a PyTorch file from torch.save? safetensors.torch.save_file writes what fmtiny reads"},
		{"\x80\x02", "it looks like a Python pickle: a PyTorch file from torch.save? safetensors.torch.save_file writes what fmtiny reads"},
		{"\x1f\x8b", "it looks like a gzip-compressed file"},
		{"\x7fELF", "it looks like a program"},
		{"GGUF", "it looks like a GGUF model file"},
	} {
		if bytes.HasPrefix(head, []byte(m.magic)) {
			return m.what
		}
	}
	// Text: valid UTF-8 (but for a character cut at the end) without NUL or other control bytes.
	text := head
	for i := 0; i < utf8.UTFMax && len(text) > 0 && !utf8.Valid(text); i++ {
		text = text[:len(text)-1]
	}
	isText := len(text) > 0 && utf8.Valid(text) && bytes.IndexFunc(text, func(r rune) bool {
		return r < 0x20 && r != '\n' && r != '\r' && r != '\t'
	}) < 0
	if isText {
		first := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			first = text[:i]
		}
		if containsAnyByte(string(first), ",;\t|") {
			return "it looks like a CSV file"
		}
		return "it looks like a text file"
	}
	return fmt.Sprintf("its first 8 bytes, the length of a header, say %d bytes, more than the file's %d", length, size)
}
