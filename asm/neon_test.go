package asm

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestWordEncodings checks the NEON sources on every architecture: each WORD line must carry
// an encoding (not asm2plan9s's 0 placeholder) and the GNU instruction it encodes, spaced the
// way asm2plan9s recognises, so that go generate ./asm can re-encode it.
func TestWordEncodings(t *testing.T) {
	files, err := filepath.Glob("*_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	word := regexp.MustCompile(`\bWORD\b`)
	good := regexp.MustCompile(`^\tWORD \$0x[0-9a-f]{8} // [a-z][^/]*$`)
	n := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if !word.MatchString(text) || regexp.MustCompile(`^\s*//`).MatchString(text) {
				continue
			}
			n++
			switch {
			case !good.MatchString(text):
				t.Errorf("%s:%d: not in asm2plan9s's form \"\\tWORD $0x........ // instruction\": %q", name, line, text)
			case regexp.MustCompile(`\$0x0{8}\b`).MatchString(text):
				t.Errorf("%s:%d: placeholder left unencoded (run go generate ./asm): %q", name, line, text)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if n == 0 {
		t.Fatal("no WORD lines found in *_arm64.s")
	}
}
