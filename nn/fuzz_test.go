package nn

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"slices"
	"testing"
)

// FuzzReadSafetensors feeds arbitrary bytes to ReadSafetensors. It must never panic, and what it
// accepts must be self-consistent: every shape matches its data, and the tensors written back
// as F32 read back the same.
func FuzzReadSafetensors(f *testing.F) {
	for _, name := range []string{"torch_mlp.safetensors", "torch_dtypes.safetensors"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2]) // truncated in the data
		f.Add(data[:40])          // truncated in the header
	}
	two := f32bytes(1, 2)
	seeds := [][]byte{
		nil,
		{8, 0, 0, 0, 0, 0, 0, 0},
		file(`{}`, nil),
		file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, two),
		file(`{"__metadata__":{"k":"v"},"a":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}}`, two),
		file(`{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[0],"data_offsets":[8,8]}}`, two),
		// hostile headers: a huge length, overflowing shapes and offsets, deep nesting,
		// duplicates, and a length that points past the file.
		binary.LittleEndian.AppendUint64(nil, math.MaxUint64),
		file(`{"a":{"dtype":"F32","shape":[9223372036854775807,9223372036854775807],"data_offsets":[0,8]}}`, two),
		file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[18446744073709551615,8]}}`, two),
		file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":`+string(bytes.Repeat([]byte("["), 20000))+`}}`, two),
		file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two),
		append(binary.LittleEndian.AppendUint64(nil, 1000), `{"a":1}`...),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, meta, err := ReadSafetensors(data)
		if err != nil {
			if tensors != nil || meta != nil {
				t.Fatal("data returned with an error")
			}
			return
		}
		total := 0
		for _, x := range tensors {
			n := 1
			for _, d := range x.Shape {
				n *= d
			}
			if n != len(x.Data) {
				t.Fatalf("tensor %q: shape %v with %d values", x.Name, x.Shape, len(x.Data))
			}
			total += n
		}
		if total > len(data) {
			t.Fatalf("%d values from %d bytes", total, len(data))
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, tensors, meta); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		again, meta2, err := ReadSafetensors(buf.Bytes())
		if err != nil {
			t.Fatalf("reread: %v", err)
		}
		if len(again) != len(tensors) || len(meta2) != len(meta) {
			t.Fatalf("reread %d tensors and %d metadata, want %d and %d", len(again), len(meta2), len(tensors), len(meta))
		}
		byName := map[string]Tensor{}
		for _, x := range again {
			byName[x.Name] = x
		}
		for _, x := range tensors {
			y, ok := byName[x.Name]
			if !ok || !slices.Equal(x.Shape, y.Shape) {
				t.Fatalf("tensor %q lost or reshaped", x.Name)
			}
			for i := range x.Data {
				if math.Float32bits(x.Data[i]) != math.Float32bits(y.Data[i]) {
					t.Fatalf("tensor %q value %d changed", x.Name, i)
				}
			}
		}
		for k, v := range meta {
			if meta2[k] != v {
				t.Fatalf("metadata %q changed", k)
			}
		}
	})
}
