package nn

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// file assembles a safetensors file from a header and a data section.
func file(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), data...)
}

func f32bytes(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func readFixture(t *testing.T, name string) ([]byte, []Tensor, map[string]string) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	tensors, meta, err := ReadSafetensors(data)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return data, tensors, meta
}

func tensorByName(t *testing.T, tensors []Tensor, name string) Tensor {
	t.Helper()
	for _, x := range tensors {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("no tensor %q", name)
	return Tensor{}
}

// TestTorchFixtureForward loads a state dict written from PyTorch (testdata/make_torch_fixture.py)
// and checks Forward against torch's outputs for every activation and both places of t.
func TestTorchFixtureForward(t *testing.T) {
	data, tensors, meta := readFixture(t, "torch_mlp.safetensors")
	if meta["source"] != "make_torch_fixture.py" {
		t.Fatalf("metadata %v", meta)
	}
	x := tensorByName(t, tensors, "fixture.x")
	ts := tensorByName(t, tensors, "fixture.t")
	n := len(ts.Data)
	forEachSet(t, func(t *testing.T) {
		for _, act := range allActivations {
			for _, timeFirst := range []bool{false, true} {
				m, err := FromStateDict(tensors, act, timeFirst)
				if err != nil {
					t.Fatal(err)
				}
				if m.In != 3 || !slices.Equal(m.Hidden, []int{16, 16}) || m.Out != 2 {
					t.Fatalf("FromStateDict built %d -> %v -> %d", m.In, m.Hidden, m.Out)
				}
				where := "tlast"
				if timeFirst {
					where = "tfirst"
				}
				want := tensorByName(t, tensors, "fixture.y."+act.String()+"."+where).Data
				got := m.Forward(m.NewWorkspace(n), x.Data, ts.Data, nil, n)
				for i := range want {
					if math.Abs(float64(got[i]-want[i])) > 1e-5*math.Abs(float64(want[i]))+1e-7 {
						t.Errorf("%v %s output %d: got %.9g, torch %.9g", act, where, i, got[i], want[i])
					}
				}
			}
		}
	})

	// Written back, the file is the same bytes: the writer orders and formats as the reference.
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("rewritten file differs from torch's:\n%q\n%q", buf.Bytes()[:200], data[:200])
	}
}

// TestTorchDtypes checks F16, BF16 and F64 conversion against torch's own .float().
func TestTorchDtypes(t *testing.T) {
	_, tensors, _ := readFixture(t, "torch_dtypes.safetensors")
	for _, name := range []string{"f16", "bf16", "f64"} {
		got := tensorByName(t, tensors, name)
		want := tensorByName(t, tensors, name+".as_f32")
		if !slices.Equal(got.Shape, want.Shape) {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape, want.Shape)
		}
		for i := range want.Data {
			g, w := got.Data[i], want.Data[i]
			if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
				t.Errorf("%s[%d] = %v (%#x), torch gives %v (%#x)", name, i, g, math.Float32bits(g), w, math.Float32bits(w))
			}
		}
	}
}

// TestF16AllValues converts all 65536 half-precision values and checks each against its value
// computed from the definition, sign * 2^(e-15) * (1 + f/1024), or f * 2^-24 when e = 0.
func TestF16AllValues(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		got := f16ToF32(uint16(h))
		sign := 1.0
		if h>>15 != 0 {
			sign = -1
		}
		e, f := (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case e == 0x1f && f == 0:
			want = math.Inf(int(sign))
		case e == 0x1f:
			if got == got || math.Float32bits(got)>>31 != uint32(h>>15) {
				t.Fatalf("f16 %#04x: got %v, want a NaN of the same sign", h, got)
			}
			continue
		case e == 0:
			want = sign * math.Ldexp(float64(f), -24)
		default:
			want = sign * math.Ldexp(1+float64(f)/1024, e-15)
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("f16 %#04x: got %v, want %v", h, got, want)
		}
	}
}

// TestBF16AllValues converts all 65536 bfloat16 values and checks each against its definition.
func TestBF16AllValues(t *testing.T) {
	raw := make([]byte, 2<<16)
	for h := 0; h < 1<<16; h++ {
		binary.LittleEndian.PutUint16(raw[2*h:], uint16(h))
	}
	out := decode("BF16", raw)
	for h, got := range out {
		sign := 1.0
		if h>>15 != 0 {
			sign = -1
		}
		e, f := (h>>7)&0xff, h&0x7f
		var want float64
		switch {
		case e == 0xff && f == 0:
			want = math.Inf(int(sign))
		case e == 0xff:
			if got == got {
				t.Fatalf("bf16 %#04x: got %v, want NaN", h, got)
			}
			continue
		case e == 0:
			want = sign * math.Ldexp(float64(f), -133)
		default:
			want = sign * math.Ldexp(1+float64(f)/128, e-127)
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("bf16 %#04x: got %v, want %v", h, got, want)
		}
	}
}

// TestSafetensorsRoundTrip writes and reads back tensors of every rank, including a scalar and
// an empty tensor, with metadata that needs escaping.
func TestSafetensorsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	in := []Tensor{
		{Name: "b", Shape: []int{3, 4}, Data: randSlice(rng, 12, 5)},
		{Name: "a.weight", Shape: []int{7}, Data: randSlice(rng, 7, 1)},
		{Name: "scalar", Shape: []int{}, Data: []float32{float32(math.Inf(-1))}},
		{Name: "empty", Shape: []int{0, 5}, Data: []float32{}},
		{Name: "ü \"quoted\"\n", Shape: []int{2, 1, 2}, Data: []float32{1, float32(math.NaN()), -0, 3}},
	}
	meta := map[string]string{"format": "fmtiny/1", "odd": "tab\t, bell\x07, <html> & \\ é", "": ""}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, in, meta); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	n := binary.LittleEndian.Uint64(data)
	header := string(data[8 : 8+n])
	if n%8 != 0 || !strings.HasSuffix(strings.TrimRight(header, " "), "}") {
		t.Fatalf("header of %d bytes is not padded with spaces to 8: %q", n, header)
	}
	// serde_json's escapes: \t and \n by name, other control characters as lowercase \u00xx,
	// and nothing else (no \u003c for <).
	for _, s := range []string{`tab\t`, `bell\u0007`, `<html> & \\ é`, `"ü \"quoted\"\n"`} {
		if !strings.Contains(header, s) {
			t.Errorf("header lacks %s: %s", s, header)
		}
	}
	out, gotMeta, err := ReadSafetensors(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotMeta) != len(meta) {
		t.Fatalf("metadata %v, want %v", gotMeta, meta)
	}
	for k, v := range meta {
		if gotMeta[k] != v {
			t.Fatalf("metadata %q = %q, want %q", k, gotMeta[k], v)
		}
	}
	sorted := slices.Clone(in)
	slices.SortFunc(sorted, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	if len(out) != len(sorted) {
		t.Fatalf("read %d tensors, wrote %d", len(out), len(sorted))
	}
	for i, want := range sorted {
		got := out[i]
		if got.Name != want.Name || !slices.Equal(got.Shape, want.Shape) || len(got.Data) != len(want.Data) {
			t.Fatalf("tensor %d: got %q %v (%d values), want %q %v (%d values)", i, got.Name, got.Shape, len(got.Data), want.Name, want.Shape, len(want.Data))
		}
		for j := range want.Data {
			if math.Float32bits(got.Data[j]) != math.Float32bits(want.Data[j]) {
				t.Fatalf("%s[%d] = %v, want %v", want.Name, j, got.Data[j], want.Data[j])
			}
		}
	}

	// Without metadata there is no __metadata__ entry.
	buf.Reset()
	if err := WriteSafetensors(&buf, in[:1], nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), metadataKey) {
		t.Fatalf("header without metadata: %q", buf.String())
	}
}

// TestWriteSafetensorsErrors checks what the writer refuses.
func TestWriteSafetensorsErrors(t *testing.T) {
	cases := map[string][]Tensor{
		"duplicate": {{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{2}}},
		"reserved":  {{Name: metadataKey, Shape: []int{1}, Data: []float32{1}}},
		"holds":     {{Name: "a", Shape: []int{2, 2}, Data: []float32{1, 2, 3}}},
		"negative":  {{Name: "a", Shape: []int{-1}, Data: nil}},
		"UTF-8":     {{Name: "a\xff", Shape: []int{1}, Data: []float32{1}}},
	}
	for want, tensors := range cases {
		err := WriteSafetensors(&bytes.Buffer{}, tensors, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v", want, err)
		}
	}
}

// TestReadSafetensorsErrors feeds crafted files, each broken in one way, and checks that the
// error names the problem.
func TestReadSafetensorsErrors(t *testing.T) {
	ok := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	two := f32bytes(1, 2)
	huge := binary.LittleEndian.AppendUint64(nil, 100_000_001)
	past := binary.LittleEndian.AppendUint64(nil, 64)
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"short file", "too short", []byte{1, 2, 3}},
		{"header too large", "larger than the limit", append(huge, make([]byte, 16)...)},
		{"header past end", "past the end", append(past, "{}"...)},
		{"invalid UTF-8", "UTF-8", file("{\"a\xff\":1}", nil)},
		{"truncated JSON", "invalid JSON", file(`{"a":{"dtype":"F32"`, nil)},
		{"not an object", "not a JSON object", file(`[1,2]`, nil)},
		{"number", "not a JSON object", file(`12`, nil)},
		{"empty header", "invalid JSON", file(``, nil)},
		{"trailing garbage", "invalid JSON", file(`{} x`, nil)},
		{"two objects", "after the JSON object", file(`{}{}`, nil)},
		{"duplicate tensor", "duplicate key \"a\"", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two)},
		{"duplicate metadata", "duplicate key \"__metadata__\"", file(`{"__metadata__":{},"__metadata__":{}}`, nil)},
		{"duplicate metadata key", "duplicate key \"k\"", file(`{"__metadata__":{"k":"1","k":"2"}}`, nil)},
		{"metadata value", "not a string", file(`{"__metadata__":{"k":1}}`, nil)},
		{"metadata array", "not an object of strings", file(`{"__metadata__":["k"]}`, nil)},
		{"entry not object", "entry is not an object", file(`{"a":[1]}`, nil)},
		{"missing dtype", "missing field dtype", file(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, two)},
		{"missing shape", "missing field shape", file(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, two)},
		{"missing offsets", "missing field data_offsets", file(`{"a":{"dtype":"F32","shape":[2]}}`, two)},
		{"duplicate field", "duplicate key \"dtype\"", file(`{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, two)},
		{"unknown dtype", "unknown dtype \"F17\"", file(`{"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}}`, two)},
		{"dtype not string", "dtype is not a string", file(`{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}`, two)},
		{"I64", `tensor "a": dtype I64 is not supported`, file(`{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, two)},
		{"U8", `tensor "a": dtype U8 is not supported`, file(`{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}`, two)},
		{"BOOL", `tensor "a": dtype BOOL is not supported`, file(`{"a":{"dtype":"BOOL","shape":[8],"data_offsets":[0,8]}}`, two)},
		{"negative dim", "not an integer", file(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, two)},
		{"fractional dim", "not an integer", file(`{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}`, two)},
		{"exponent dim", "not an integer", file(`{"a":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}`, two)},
		{"string dim", "not an integer", file(`{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}`, two)},
		{"nested shape", "not an integer", file(`{"a":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}}`, two)},
		{"shape not array", "shape is not an array", file(`{"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}`, two)},
		{"shape overflow", "overflows", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,8]}}`, two)},
		{"size overflow", "overflows", file(`{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}`, two)},
		{"three offsets", "data_offsets has 3 values", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}`, two)},
		{"huge offset", "not an integer", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]}}`, two)},
		{"not from zero", "do not start where", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two)},
		{"end before begin", "do not start where", file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}`, two)},
		{"gap", "do not start where", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32bytes(1, 2, 3))},
		{"overlap", "do not start where", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two)},
		{"size mismatch", "takes 8 bytes", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, two[:4])},
		{"data past the tensors", "cover 8 bytes", file(ok, f32bytes(1, 2, 3))},
		{"data missing", "cover 8 bytes", file(ok, two[:6])},
		{"offsets past the file", "cover 8 bytes", file(ok, nil)},
		{"sub-byte", "whole bytes", file(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}`, []byte{0})},
	}
	for _, c := range cases {
		tensors, meta, err := ReadSafetensors(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
		if tensors != nil || meta != nil {
			t.Errorf("%s: returned data with the error", c.name)
		}
	}

	// The well-formed variants of the files above read: unknown fields are skipped, the
	// metadata may be null, an empty header object and zero-length tensors are fine.
	good := [][]byte{
		file(ok, two),
		file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":{"x":[1,2,{}]}}}`, two),
		file(`{"__metadata__":null,"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`+"  \n", two),
		file(`{}`, nil),
		file(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"z":{"dtype":"F16","shape":[0],"data_offsets":[0,0]}}`, two),
	}
	for i, data := range good {
		if _, _, err := ReadSafetensors(data); err != nil {
			t.Errorf("good file %d: %v", i, err)
		}
	}
}

// TestStateDictRoundTrip writes a network's state dict, reads it back and checks that the
// rebuilt network has the same shape, parameters and outputs, and that StateDict returns views.
func TestStateDictRoundTrip(t *testing.T) {
	m := newTestMLP(t, 4, []int{9, 9, 9, 9, 9, 7}, 3, GELU, true, 8) // 7 Linear layers: main.10, main.12 sort after main.2
	sd := m.StateDict("model.main")
	if sd[0].Name != "model.main.0.weight" || sd[13].Name != "model.main.12.bias" || !slices.Equal(sd[0].Shape, []int{9, 4}) {
		t.Fatalf("state dict names %q, %q, shape %v", sd[0].Name, sd[13].Name, sd[0].Shape)
	}
	sd[0].Data[0] = 42
	if m.Params[0] != 42 {
		t.Fatal("StateDict copied the parameters")
	}
	extra := append(sd, Tensor{Name: "adam.m", Shape: []int{m.NumParams()}, Data: make([]float32, m.NumParams())},
		Tensor{Name: "data.mean", Shape: []int{3}, Data: []float32{1, 2, 3}})
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, extra, map[string]string{"act": "gelu"}); err != nil {
		t.Fatal(err)
	}
	tensors, _, err := ReadSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromStateDict(tensors, GELU, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.In != m.In || got.Out != m.Out || !slices.Equal(got.Hidden, m.Hidden) || !slices.Equal(got.Params, m.Params) {
		t.Fatalf("rebuilt %d -> %v -> %d, parameters equal: %v", got.In, got.Hidden, got.Out, slices.Equal(got.Params, m.Params))
	}

	// An nn.Sequential saved on its own has no prefix.
	bare, err := FromStateDict(m.StateDict(""), GELU, true)
	if err != nil || !slices.Equal(bare.Params, m.Params) {
		t.Fatalf("bare state dict: %v", err)
	}
}

// TestFromStateDictErrors checks what FromStateDict refuses.
func TestFromStateDictErrors(t *testing.T) {
	base := func() []Tensor {
		m := newTestMLP(t, 3, []int{4}, 2, SiLU, false, 1)
		return m.StateDict("main")
	}
	cases := []struct {
		want string
		edit func([]Tensor) []Tensor
	}{
		{"no Linear layers", func(sd []Tensor) []Tensor { return []Tensor{{Name: "x", Shape: []int{1}, Data: []float32{1}}} }},
		{"two prefixes", func(sd []Tensor) []Tensor { sd[2].Name = "net.2.weight"; return sd }},
		{"no matching bias", func(sd []Tensor) []Tensor { return append(sd[:1], sd[2:]...) }},
		{"no matching weight", func(sd []Tensor) []Tensor { return sd[1:] }},
		{"want [out, in]", func(sd []Tensor) []Tensor { sd[0].Shape = []int{12}; return sd }},
		{"want [4] to match", func(sd []Tensor) []Tensor {
			sd[1] = Tensor{Name: "main.0.bias", Shape: []int{3}, Data: []float32{1, 2, 3}}
			return sd
		}},
		{"takes 4 inputs, but main.0.weight gives 2", func(sd []Tensor) []Tensor {
			sd[0] = Tensor{Name: "main.0.weight", Shape: []int{2, 6}, Data: make([]float32, 12)}
			sd[1] = Tensor{Name: "main.0.bias", Shape: []int{2}, Data: make([]float32, 2)}
			return sd
		}},
		{"holds NaN", func(sd []Tensor) []Tensor { sd[2].Data[3] = float32(math.NaN()); return sd }},
		{"holds +Inf", func(sd []Tensor) []Tensor { sd[3].Data[1] = float32(math.Inf(1)); return sd }},
		{"appears twice", func(sd []Tensor) []Tensor { return append(sd, sd[0]) }},
		{"data do not match", func(sd []Tensor) []Tensor { sd[0].Data = sd[0].Data[:5]; return sd }},
	}
	for _, c := range cases {
		_, err := FromStateDict(c.edit(base()), SiLU, false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got error %v, want one containing %q", err, c.want)
		}
	}
}

// TestReadSafetensorsMemory reads hostile but valid files, one with 20000 scalar tensors, one
// with a shape of a million dimensions and one with 20000 tiny metadata entries, and checks that ReadSafetensors allocates (in all,
// garbage included) no more than 12 times the file's size.
func TestReadSafetensorsMemory(t *testing.T) {
	var many strings.Builder
	many.WriteString("{")
	const k = 20000
	for i := 0; i < k; i++ {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `"%d":{"dtype":"F32","shape":[],"data_offsets":[%d,%d]}`, i, 4*i, 4*i+4)
	}
	many.WriteString("}")
	deep := `{"a":{"dtype":"F32","shape":[` + strings.Repeat("1,", 1000000) + `1],"data_offsets":[0,4]}}`
	var meta strings.Builder
	meta.WriteString(`{"__metadata__":{`)
	for i := 0; i < k; i++ {
		if i > 0 {
			meta.WriteString(",")
		}
		fmt.Fprintf(&meta, `"%d":""`, i)
	}
	meta.WriteString(`}}`)
	for _, data := range [][]byte{file(many.String(), make([]byte, 4*k)), file(deep, make([]byte, 4)), file(meta.String(), nil)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tensors, _, err := ReadSafetensors(data)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(data))
		if ratio > 12 {
			t.Errorf("reading %d tensors from %d bytes allocated %.1f times the file", len(tensors), len(data), ratio)
		}
		t.Logf("%d tensors from %d bytes: %.1f times the file allocated", len(tensors), len(data), ratio)
	}
}

// TestHeaderJSON checks the header reader's JSON against RFC 8259 and serde_json's limits, in
// the names and metadata it keeps and in the unknown fields it skips.
func TestHeaderJSON(t *testing.T) {
	entry := func(extra string) []byte {
		return file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]`+extra+`}}`, f32bytes(1))
	}
	good := map[string]string{
		"literals":       `,"x":[true,false,null]`,
		"numbers":        `,"x":[-0,0,1.5e3,-2E-7,123456789012345678901234567890]`,
		"strings":        `,"x":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`,
		"nested 127":     `,"x":` + strings.Repeat("[", 126) + strings.Repeat("]", 126),
		"white space":    " ,\n\t\"x\" :\r {} ",
		"empty object":   `,"x":{}`,
		"object members": `,"x":{"p":1,"q":{"r":[]}}`,
	}
	for name, extra := range good {
		if _, _, err := ReadSafetensors(entry(extra)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]string{
		"nested 129":        `,"x":` + strings.Repeat("[", 128) + strings.Repeat("]", 128),
		"leading zero":      `,"x":01`,
		"bare minus":        `,"x":-`,
		"dot without digit": `,"x":1.`,
		"exponent":          `,"x":1e`,
		"plus":              `,"x":+1`,
		"literal":           `,"x":tru`,
		"bad escape":        `,"x":"\x"`,
		"short escape":      `,"x":"\u12"`,
		"hex escape":        `,"x":"\u12g4"`,
		"lone high":         `,"x":"\ud83d"`,
		"lone low":          `,"x":"\ude00"`,
		"high then other":   `,"x":"\ud83d\u0041"`,
		"control character": ",\"x\":\"a\tb\"",
		"trailing comma":    `,"x":[1,]`,
		"missing colon":     `,"x" 1`,
		"missing comma":     `,"x":[1 2]`,
		"unterminated":      `,"x":"abc`,
		"single quotes":     `,'x':1`,
	}
	for name, extra := range bad {
		if _, _, err := ReadSafetensors(entry(extra)); err == nil || !strings.Contains(err.Error(), "invalid JSON") {
			t.Errorf("%s: error %v, want invalid JSON", name, err)
		}
	}
	// Escapes in names and metadata are decoded.
	data := file(`{"__metadata__":{"k\u00e9":"v\n\ud83d\ude00"},"a\"b":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, f32bytes(7))
	tensors, meta, err := ReadSafetensors(data)
	if err != nil || tensors[0].Name != `a"b` || meta["ké"] != "v\n😀" {
		t.Fatalf("got %v, %q, %v", tensors, meta, err)
	}
}
