package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/nn"
)

// This file makes the hostile files of testdata/bad: model files and CSV files, each small
// and each wrong in one way (or, for a few, awkward but valid). They are committed so that a
// reader can look at them; TestMakeBad checks that they are what this generator makes, and
//
//	go test ./cmd/fmtiny -run TestMakeBad -update
//
// rewrites them after an edit here.

var update = flag.Bool("update", false, "rewrite testdata/bad from its generator")

// badDir is the folder of the hostile files, from this package's folder.
const badDir = "../../testdata/bad"

// badFile is one file of testdata/bad.
type badFile struct {
	name string
	why  string // what is wrong with it, or what awkward thing it does that must still work
	data []byte
	// want maps a command (train, sample, eval, plot, info) to words its one error line must
	// contain, "" for a command that must succeed; "*" stands for any command not listed.
	want map[string]string
}

// every is a want for the same words from every command.
func every(words string) map[string]string { return map[string]string{"*": words} }

// goodModel is the valid model the bad ones are made from: 3 -> 8 -> 8 -> 2 with SiLU, its
// weights small multiples of 1/64 made without rounding, so every machine makes the same bytes.
func goodModel() *fm.Model {
	net, err := nn.New(nn.Config{In: 3, Hidden: []int{8, 8}, Out: 2, Act: nn.SiLU})
	if err != nil {
		panic(err)
	}
	for i := range net.Params {
		net.Params[i] = float32((i*37)%29-14) / 64
	}
	return &fm.Model{
		Net: &fm.MLPNetwork{MLP: net}, Path: fm.NewPath(fm.CondOT),
		Stats: fm.Stats{Mean: []float64{0.5, -0.25}, Std: []float64{2, 1.5}},
		Data:  "checkerboard", Steps: 100, Seed: 1,
		Extra: map[string]string{"train.hidden": "8,8", "train.activation": "silu", "train.time": "last", "train.path": "condot", "train.data": "checkerboard"},
	}
}

// condModel is a valid class-conditional model: the good model's layers with a label embedding
// of 3 classes whose labels in the data were 10, 20 and 30.
func condModel() *fm.Model {
	net, err := nn.New(nn.Config{In: 3, Hidden: []int{8, 8}, Out: 2, Act: nn.SiLU, Classes: 3})
	if err != nil {
		panic(err)
	}
	for i := range net.Params {
		net.Params[i] = float32((i*37)%29-14) / 64
	}
	m := goodModel()
	m.Net, m.LabelValues = &fm.MLPNetwork{MLP: net}, []int64{10, 20, 30}
	return m
}

// safetensors lays out a file: the header's length (8 bytes, little-endian), the header, the data.
func safetensors(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

// withLength is a file that claims a header of n bytes, followed by rest.
func withLength(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

// The good model's header entries, as WriteSafetensors writes them (the tensors sorted by name,
// each one's data after the previous one's).
const (
	entry0b = `"main.0.bias":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}`
	entry0w = `"main.0.weight":{"dtype":"F32","shape":[8,3],"data_offsets":[32,128]}`
	entry2b = `"main.2.bias":{"dtype":"F32","shape":[8],"data_offsets":[128,160]}`
	entry2w = `"main.2.weight":{"dtype":"F32","shape":[8,8],"data_offsets":[160,416]}`
	entry4b = `"main.4.bias":{"dtype":"F32","shape":[2],"data_offsets":[416,424]}`
	entry4w = `"main.4.weight":{"dtype":"F32","shape":[2,8],"data_offsets":[424,488]}`
)

// badFiles returns every file of testdata/bad.
func badFiles(t testing.TB) []badFile {
	var buf bytes.Buffer
	if _, err := goodModel().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	n := binary.LittleEndian.Uint64(good)
	header, body := strings.TrimRight(string(good[8:8+n]), " "), good[8+n:]
	for _, e := range []string{entry0b, entry0w, entry2b, entry2w, entry4b, entry4w} {
		if !strings.Contains(header, e) {
			t.Fatalf("the good model's header has no %s:\n%s", e, header)
		}
	}
	// edit is the good model with old replaced by new in its header (old must be there).
	edit := func(pairs ...string) []byte {
		h := header
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(h, pairs[i]) {
				t.Fatalf("the good model's header has no %s", pairs[i])
			}
			h = strings.Replace(h, pairs[i], pairs[i+1], 1)
		}
		return safetensors(h, body)
	}
	// withValue is the good model with the float32 at byte offset off of the data set to v.
	withValue := func(off int, v float32) []byte {
		b := slices.Clone(body)
		binary.LittleEndian.PutUint32(b[off:], math.Float32bits(v))
		return safetensors(header, b)
	}
	// written writes a state dict and metadata as fmtiny writes models.
	written := func(tensors []nn.Tensor, meta map[string]string) []byte {
		var b bytes.Buffer
		if err := nn.WriteSafetensors(&b, tensors, meta); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	m := goodModel()
	tensors := m.MLP().StateDict("main")
	renamed := func(from, to string) []nn.Tensor {
		out := slices.Clone(tensors)
		for i := range out {
			if out[i].Name == from {
				out[i].Name = to
			}
		}
		return out
	}
	without := func(name string) []nn.Tensor {
		return slices.DeleteFunc(slices.Clone(tensors), func(x nn.Tensor) bool { return x.Name == name })
	}
	// The same weights in bfloat16 (exact: every weight is a multiple of 1/64 below 1).
	bf16 := make([]byte, 0, len(body)/2)
	for i := 0; i < len(body); i += 4 {
		bf16 = binary.LittleEndian.AppendUint16(bf16, uint16(binary.LittleEndian.Uint32(body[i:])>>16))
	}
	bf16Header := strings.ReplaceAll(header, `"F32"`, `"BF16"`)
	for _, r := range [][2]string{{"[0,32]", "[0,16]"}, {"[32,128]", "[16,64]"}, {"[128,160]", "[64,80]"}, {"[160,416]", "[80,208]"}, {"[416,424]", "[208,212]"}, {"[424,488]", "[212,244]"}} {
		bf16Header = strings.Replace(bf16Header, r[0], r[1], 1)
	}
	// A velocity field needs d+1 inputs for d outputs; this network maps 3 to 3.
	square, _ := nn.New(nn.Config{In: 3, Hidden: []int{4}, Out: 3})
	works := map[string]string{"*": ""}
	// main.2.weight of 8x7 instead of 8x8, the data after it moved up by 32 bytes.
	unchained := safetensors(strings.NewReplacer(`"shape":[8,8],"data_offsets":[160,416]`, `"shape":[8,7],"data_offsets":[160,384]`,
		"[416,424]", "[384,392]", "[424,488]", "[392,456]").Replace(header), append(slices.Clone(body[:384]), body[416:]...))

	// withData is the good model trained on another dataset, with more metadata.
	withData := func(data string, extra map[string]string) []byte {
		m := goodModel()
		m.Data, m.Extra["train.data"] = data, data
		for k, v := range extra {
			m.Extra[k] = v
		}
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	models := []badFile{
		{"model-good.safetensors", "a valid model, the base of the others", good, works},
		{"model-bf16.safetensors", "the good model's weights in bfloat16", safetensors(bf16Header, bf16), works},
		{"model-torch.safetensors", "a state dict without fmtiny's metadata, as PyTorch saves one", written(tensors, map[string]string{"format": "pt"}), works},
		{"model-empty.safetensors", "no bytes at all", nil, every("too short")},
		{"model-cut-7.safetensors", "7 bytes: less than the header's length", good[:7], every("too short")},
		{"model-cut-header.safetensors", "cut in the middle of the header", good[:200], every("runs past the end")},
		{"model-cut-data.safetensors", "the last weight's last byte missing", good[:len(good)-1], every("the file has 487")},
		{"model-extra-data.safetensors", "a byte of data no tensor covers", append(slices.Clone(good), 0), every("cover 488 bytes of data, the file has 489")},
		{"model-length-past-end.safetensors", "a header length past the end of the file", withLength(4096, header), every("runs past the end")},
		{"model-length-max.safetensors", "a header length of 2^64-1", withLength(math.MaxUint64, header), every("larger than the limit")},
		{"model-length-near-max.safetensors", "a header length of 2^64-8, which overflows when the 8 bytes before it are added", withLength(math.MaxUint64-7, header), every("larger than the limit")},
		{"model-length-over-limit.safetensors", "a header length just over the reference's 100 MB limit", withLength(100_000_001, header), every("larger than the limit")},
		{"model-length-zero.safetensors", "a header of 0 bytes", withLength(0, ""), every("empty header")},
		{"model-json-array.safetensors", "a header that is a JSON array", safetensors(`[1,2]`, nil), every("not a JSON object")},
		{"model-json-string.safetensors", "a header that is a JSON string", safetensors(`"main.0.weight"`, nil), every("not a JSON object")},
		{"model-json-number.safetensors", "a header that is a JSON number", safetensors(`42`, nil), every("not a JSON object")},
		{"model-json-null.safetensors", "a header that is JSON null", safetensors(`null`, nil), every("not a JSON object")},
		{"model-json-unterminated.safetensors", "a header cut inside a string", safetensors(header[:150], body), every("invalid JSON")},
		{"model-json-trailing.safetensors", "text after the header's object", safetensors(header+` {}`, body), every("data after the JSON object")},
		{"model-json-deep.safetensors", "an unknown field nested 200 arrays deep", edit(entry0b, strings.Replace(entry0b, `{"dtype"`, `{"x":`+strings.Repeat("[", 200)+strings.Repeat("]", 200)+`,"dtype"`, 1)), every("nested more than 128")},
		{"model-json-latin1.safetensors", "a header that is not UTF-8", edit(`"checkerboard"`, "\"checkerb\xf6ard\""), every("not valid UTF-8")},
		{"model-duplicate-tensor.safetensors", "two tensors of one name", edit(entry0b, entry0b+","+entry0b), every(`duplicate key "main.0.bias"`)},
		{"model-duplicate-metadata.safetensors", "a metadata key twice", edit(`"data":"checkerboard",`, `"data":"checkerboard","data":"moons",`), every(`duplicate key "data"`)},
		{"model-offsets-overlap.safetensors", "main.0.weight's data overlapping main.0.bias's", edit("[32,128]", "[16,112]"), every(`"main.0.weight": data_offsets [16, 112] do not start where the previous tensor ends (32)`)},
		{"model-offsets-hole.safetensors", "4 unused bytes between two tensors", edit("[128,160]", "[132,164]"), every(`"main.2.bias": data_offsets [132, 164] do not start`)},
		{"model-offsets-outside.safetensors", "the last tensor's data past the end of the file", edit("[424,488]", "[424,4488]"), every("main.4.weight")},
		{"model-offsets-reversed.safetensors", "data_offsets with the end before the beginning", edit("[424,488]", "[488,424]"), every(`"main.4.weight": data_offsets [488, 424]`)},
		{"model-offsets-huge.safetensors", "an end offset of 2^63-1", edit("[424,488]", "[424,9223372036854775807]"), every("main.4.weight")},
		{"model-offsets-three.safetensors", "data_offsets of three numbers", edit("[424,488]", "[424,456,488]"), every("data_offsets has 3 values, want 2")},
		{"model-offsets-negative.safetensors", "a negative offset", edit("[424,488]", "[-424,488]"), every("not an integer")},
		{"model-dtype-int.safetensors", "a tensor of 32-bit integers", edit(entry2b, strings.Replace(entry2b, "F32", "I32", 1)), every(`"main.2.bias": dtype I32 is not supported`)},
		{"model-dtype-bool.safetensors", "a tensor of booleans (of the right byte size)", edit(entry4b, `"main.4.bias":{"dtype":"BOOL","shape":[8],"data_offsets":[416,424]}`), every(`"main.4.bias": dtype BOOL is not supported`)},
		{"model-dtype-unknown.safetensors", "a dtype safetensors does not define", edit(entry2b, strings.Replace(entry2b, "F32", "F31", 1)), every(`unknown dtype "F31"`)},
		{"model-dtype-missing.safetensors", "a tensor without a dtype", edit(entry2b, strings.Replace(entry2b, `"dtype":"F32",`, "", 1)), every("missing field dtype")},
		{"model-dtype-number.safetensors", "a dtype that is a number", edit(entry2b, strings.Replace(entry2b, `"F32"`, "32", 1)), every("dtype is not a string")},
		{"model-shape-size.safetensors", "a shape of more values than the data hold", edit("[8,3]", "[8,4]"), every(`"main.0.weight": shape [8 4] of F32 takes 128 bytes, data_offsets [32, 128] hold 96`)},
		{"model-shape-overflow.safetensors", "a shape whose product overflows 64 bits", edit("[8,3]", "[4294967296,4294967296,8]"), every("overflows")},
		{"model-shape-negative.safetensors", "a negative dimension", edit("[8,3]", "[-8,-3]"), every("not an integer")},
		{"model-shape-fraction.safetensors", "a fractional dimension", edit("[8,3]", "[8,3.5]"), every("not an integer")},
		{"model-shape-string.safetensors", "a shape that is a string", edit("[8,3]", `"8x3"`), every("shape is not an array")},
		{"model-layers-unchained.safetensors", "a second layer of 7 inputs after a first of 8 outputs, its data cut to match", unchained, every("main.2.weight takes 7 inputs, but main.0.weight gives 8 outputs")},
		{"model-weight-1d.safetensors", "a weight of one dimension", edit("[8,3]", "[24]"), every("main.0.weight has shape [24], want [out, in]")},
		{"model-bias-mismatch.safetensors", "a bias of 4 values for 8 outputs", edit(entry2b, `"main.2.bias":{"dtype":"F32","shape":[4,2],"data_offsets":[128,160]}`), every("main.2.bias has shape [4 2], want [8]")},
		{"model-bias-missing.safetensors", "a weight without its bias", written(without("main.2.bias"), m.Metadata()), every("main.2.weight has no matching bias")},
		{"model-weight-missing.safetensors", "a bias without its weight", written(without("main.4.weight"), m.Metadata()), every("main.4.bias has no matching weight")},
		{"model-no-layers.safetensors", "tensors, none of them a Linear layer", written([]nn.Tensor{{Name: "embedding", Shape: []int{2}, Data: []float32{1, 2}}}, nil), every("no Linear layers")},
		{"model-two-prefixes.safetensors", "Linear layers under two prefixes", written(renamed("main.4.weight", "head.4.weight"), m.Metadata()), every("two prefixes")},
		{"model-not-a-field.safetensors", "a network of 3 inputs and 3 outputs (a velocity field of d dims takes d+1)", written(square.StateDict("main"), nil), every("3 inputs to 3 outputs")},
		{"model-nan-weight.safetensors", "a NaN in main.2.weight", withValue(160+4*5, float32(math.NaN())), every("main.2.weight holds NaN at index 5")},
		{"model-inf-bias.safetensors", "+Inf in main.4.bias", withValue(416+4, float32(math.Inf(1))), every("main.4.bias holds +Inf at index 1")},
		{"model-meta-format.safetensors", "a format from a future fmtiny", edit(`"format":"fmtiny/1"`, `"format":"fmtiny/2"`), every(`format "fmtiny/2" is not "fmtiny/1"`)},
		{"model-meta-activation.safetensors", "an activation fmtiny does not know", edit(`"activation":"silu"`, `"activation":"swoosh"`), every(`unknown activation "swoosh"`)},
		{"model-meta-time.safetensors", "a time input that is neither first nor last", edit(`"time":"last"`, `"time":"middle"`), every(`time = "middle": want first or last`)},
		{"model-meta-path.safetensors", "a path fmtiny does not know", edit(`"path":"condot"`, `"path":"brownian"`), every(`unknown path "brownian"`)},
		{"model-meta-t-end.safetensors", "a path that ends at t = 2", edit(`"path.t_end":"1"`, `"path.t_end":"2"`), every("not in (0, 1]")},
		{"model-meta-mean-count.safetensors", "data statistics of 3 columns for a model of 2 dimensions", edit(`"data.mean":"0.5,-0.25"`, `"data.mean":"0.5,-0.25,1"`), every("data.mean has 3 values for a model of 2 dimensions")},
		{"model-meta-std-zero.safetensors", "a column of standard deviation 0", edit(`"data.std":"2,1.5"`, `"data.std":"2,0"`), every("column 2 has standard deviation 0")},
		{"model-meta-std-nan.safetensors", "a standard deviation of NaN", edit(`"data.std":"2,1.5"`, `"data.std":"NaN,1.5"`), every(`data.std: value 1, "NaN", is not a finite number`)},
		{"model-meta-steps.safetensors", "a negative step count", edit(`"train.steps":"100"`, `"train.steps":"-100"`), every(`train.steps = "-100" is not a step count`)},
		{"model-meta-hidden.safetensors", "a training record of hidden widths 16,16 over tensors of 8,8", edit(`"train.hidden":"8,8"`, `"train.hidden":"16,16"`), every(`train.hidden = "16,16" contradicts the rest of the file, which says "8,8"`)},
		{"model-meta-value-number.safetensors", "a metadata value that is a number", edit(`"train.steps":"100"`, `"train.steps":100`), every(`value of "train.steps" is not a string`)},
		{"model-data-missing.safetensors", "a model of a CSV file that is not there: eval needs --data", withData("/nonexistent/fmtiny/points.csv", nil), works},
		{"model-columns.safetensors", "a model that names its columns a and b: samples are written under them", withData("/nonexistent/fmtiny/points.csv", map[string]string{"data.columns": `a,"b, c"`}), works},
		{"model-columns-count.safetensors", "a model of 2 dimensions that names 3 columns", withData("/nonexistent/fmtiny/points.csv", map[string]string{"data.columns": "a,b,c"}),
			every("metadata data.columns has 3 names for a model of 2 dimensions")},
		{"model-columns-quote.safetensors", "a model whose column names are not a CSV record", withData("/nonexistent/fmtiny/points.csv", map[string]string{"data.columns": `a,"b`}),
			every("metadata data.columns")},
		{"model-meta-array.safetensors", "__metadata__ that is an array", safetensors(`{"__metadata__":["format","fmtiny/1"],`+header[strings.Index(header, entry0b):], body), every("__metadata__: not an object of strings")},
	}

	// Binary garbage: random bytes from a fixed seed, newlines and NULs among them.
	garbage := make([]byte, 2048)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range garbage {
		garbage[i] = byte(r.Uint32())
	}
	const (
		twoDims = "3 columns, but the model generates 2"
		evalDim = "3 dimensions, but the model generates 2"
	)
	csvs := []badFile{
		{"csv-empty.csv", "no bytes at all", nil, every("the file is empty")},
		{"csv-blank.csv", "blank lines only", []byte("\n  \n\r\n"), every("no data rows, only blank lines")},
		{"csv-header-only.csv", "a header and no rows", []byte("x,y\n"), every("no data rows, only a header")},
		{"csv-one-row.csv", "one row: too few to train on or to measure, one point to sample from or draw", []byte("x,y\n1,2\n"),
			map[string]string{"train": "only one data row", "eval": "only one data row", "sample": "", "plot": ""}},
		{"csv-ragged-short.csv", "a row of one value under a header of two", []byte("x,y\n1,2\n3\n4,5\n"), every("line 3: 1 values where the header has 2")},
		{"csv-ragged-long.csv", "a row of three values after a first row of two", []byte("1,2\n3,4\n5,6,7\n"), every("line 3: 3 values where the first row has 2")},
		{"csv-not-number.csv", "a word among the numbers", []byte("x,y\n1,2\n3,abc\n"), every(`line 3, column 2: "abc" is not a number`)},
		{"csv-nan.csv", "NaN", []byte("x,y\n1,NaN\n3,4\n"), every(`line 2, column 2: "NaN" is not a finite number`)},
		{"csv-inf.csv", "-Inf", []byte("x,y\n1,2\n-Inf,4\n"), every(`line 3, column 1: "-Inf" is not a finite number`)},
		{"csv-overflow.csv", "a number past float32's range", []byte("x,y\n1,2\n3,1e39\n"), every(`line 3, column 2: "1e39" is out of float32's range`)},
		{"csv-empty-value.csv", "an empty field", []byte("x,y\n1,\n3,4\n"), every("line 2, column 2: empty value")},
		{"csv-nul.csv", "a NUL byte in a number", []byte("x,y\n1,2\x00\n3,4\n"), every(`line 2, column 2: "2\x00" is not a number`)},
		{"csv-binary.csv", "2 KB of random bytes (more tabs than commas in the first line: read as tab-separated)", garbage, every(`line 2, column 1: "i\xd3*`)},
		{"csv-crlf-bom.csv", "a byte-order mark and CRLF line ends, as spreadsheets write: must work", []byte("\ufeffx,y\r\n1.5,-2\r\n0.25,3\r\n-1,0.5\r\n"), works},
		{"csv-semicolons.csv", "semicolons between the values, as spreadsheets in some countries write: must work", []byte("x;y\n1.5;-2\n0.25;3\n-1;0.5\n"), works},
		{"csv-tabs.csv", "tabs between the values, and no header: must work", []byte("1.5\t-2\n0.25\t3\n-1\t0.5\n"), works},
		{"csv-mixed-delimiters.csv", "a header of commas over rows of semicolons", []byte("x,y\n1;2\n3;4\n"),
			every("line 2: 1 values where the header has 2; the delimiter looks wrong: the file is read as separated by \",\", this line looks separated by \";\" (--delimiter gives it)")},
		{"csv-decimal-comma.csv", "decimal commas between semicolons", []byte("x;y\n1,5;2\n3;4\n"), every(`line 2, column 1: "1,5" is not a number; a decimal comma? write "1.5"`)},
		{"csv-text-column.csv", "a column of names before the numbers", []byte("name,x,y\na,1,2\nb,3,4\n"),
			map[string]string{"*": `line 2, column 1: "a" is not a number`, "train": `"a" is not a number; a column of text? --columns chooses the numeric ones`, "eval": "a column of text? --columns"}},
		{"csv-snapshots.csv", "points at three times, as sample --at writes them: plot draws them; as data they are 4 columns", []byte("t,id,x,y\n0,0,1,2\n0,1,3,4\n0.5,0,1.5,2.5\n0.5,1,3.5,4.5\n1,0,2,3\n1,1,4,5\n"),
			map[string]string{"train": "", "plot": "", "sample": "4 columns, but the model generates 2", "eval": "4 dimensions, but the model generates 2"}},
		{"csv-3-columns.csv", "valid points of 3 dimensions, for a model of 2", []byte("a,b,c\n1,2,3\n4,5,6\n7,8,9\n"),
			map[string]string{"train": "", "plot": "", "sample": twoDims, "eval": evalDim}},
	}
	return append(models, csvs...)
}

// wantFor returns whether command must succeed on f and otherwise the words of its error.
func (f badFile) wantFor(command string) (ok bool, words string) {
	w, listed := f.want[command]
	if !listed {
		w = f.want["*"]
	}
	return w == "", w
}

// TestMakeBad checks that testdata/bad holds what badFiles makes, or with -update writes it.
func TestMakeBad(t *testing.T) {
	files := badFiles(t)
	names := map[string]bool{}
	for _, f := range files {
		if names[f.name] {
			t.Fatalf("two files named %s", f.name)
		}
		names[f.name] = true
		if len(f.want) == 0 {
			t.Fatalf("%s: no expectation", f.name)
		}
		path := filepath.Join(badDir, f.name)
		if *update {
			if err := os.MkdirAll(badDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, f.data) {
			t.Errorf("%s differs from what the generator makes (%v): go test ./cmd/fmtiny -run TestMakeBad -update", path, err)
		}
	}
	ents, err := os.ReadDir(badDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !names[e.Name()] {
			t.Errorf("%s is not made by the generator: remove it", filepath.Join(badDir, e.Name()))
		}
	}
}
