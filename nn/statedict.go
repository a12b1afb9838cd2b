package nn

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// EmbeddingName is the label embedding's module name beside the nn.Sequential: a model held as
// "main" has its table in label_emb.weight [Classes+1, width], one held as "model.main" in
// model.label_emb.weight.
const EmbeddingName = "label_emb"

// StateDict returns the network's parameters under PyTorch's names for an nn.Sequential held as
// prefix: "main" gives main.0.weight [out, in], main.0.bias [out], main.2.weight, ... (the Linear
// layers sit at even indices, the activations between them), and with classes the embedding
// beside it, label_emb.weight [Classes+1, width]. An empty prefix gives 0.weight, 0.bias, ...
// The tensors' data are views into m.Params, not copies.
func (m *MLP) StateDict(prefix string) []Tensor {
	emb := embeddingTensorName(prefix)
	if prefix != "" {
		prefix += "."
	}
	out := make([]Tensor, 0, 2*len(m.layers)+1)
	for l, L := range m.layers {
		base := prefix + strconv.Itoa(2*l) + "."
		out = append(out,
			Tensor{Name: base + "weight", Shape: []int{L.out, L.in}, Data: L.w},
			Tensor{Name: base + "bias", Shape: []int{L.out}, Data: L.b})
	}
	if m.Classes > 0 {
		out = append(out, Tensor{Name: emb, Shape: []int{m.Classes + 1, m.emb.width}, Data: m.emb.w})
	}
	return out
}

// embeddingTensorName is the name of the label embedding's table beside an nn.Sequential held
// as prefix: a sibling module named EmbeddingName.
func embeddingTensorName(prefix string) string {
	if i := strings.LastIndexByte(prefix, '.'); i >= 0 {
		return prefix[:i+1] + EmbeddingName + ".weight"
	}
	return EmbeddingName + ".weight"
}

// linearName splits a name of the form P.i.weight or P.i.bias (or i.weight, with an empty P)
// into its prefix, index and kind.
func linearName(name string) (prefix string, index int, kind string, ok bool) {
	rest, kind, found := cutLast(name)
	if !found || (kind != "weight" && kind != "bias") {
		return "", 0, "", false
	}
	prefix, idx, found := cutLast(rest)
	if !found {
		prefix, idx = "", rest
	}
	if idx == "" || len(idx) > 9 || strings.Trim(idx, "0123456789") != "" {
		return "", 0, "", false
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return "", 0, "", false
	}
	return prefix, i, kind, true
}

func cutLast(s string) (before, after string, found bool) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// FromStateDict builds an MLP from the Linear layers found in tensors: all names of the form
// P.i.weight / P.i.bias for one prefix P (e.g. "main", "net", "model.main"), ordered by i; other
// tensors are ignored (a checkpoint also holds optimizer moments), two candidate prefixes is an
// error. The layer widths come from the shapes; act and timeFirst are the caller's (the file's
// metadata or flags). A label embedding beside the Sequential (see EmbeddingName) of shape
// [K+1, the first layer's width] makes a network of K classes. Checks that layers chain, biases
// match, and no value is NaN or Inf.
func FromStateDict(tensors []Tensor, act Activation, timeFirst bool) (*MLP, error) {
	type layer struct {
		index        int
		weight, bias *Tensor
	}
	var prefix string
	havePrefix := false
	byIndex := map[int]*layer{}
	for i := range tensors {
		t := &tensors[i]
		p, idx, kind, ok := linearName(t.Name)
		if !ok {
			continue
		}
		if !havePrefix {
			prefix, havePrefix = p, true
		} else if p != prefix {
			return nil, errorf("state dict has Linear layers under two prefixes, %q and %q", prefix, p)
		}
		L := byIndex[idx]
		if L == nil {
			L = &layer{index: idx}
			byIndex[idx] = L
		}
		if kind == "weight" {
			if L.weight != nil {
				return nil, errorf("tensor %q appears twice", t.Name)
			}
			L.weight = t
		} else {
			if L.bias != nil {
				return nil, errorf("tensor %q appears twice", t.Name)
			}
			L.bias = t
		}
	}
	if !havePrefix {
		return nil, errorf("state dict has no Linear layers (no tensors named like main.0.weight)")
	}
	layers := make([]*layer, 0, len(byIndex))
	for _, L := range byIndex {
		layers = append(layers, L)
	}
	slices.SortFunc(layers, func(a, b *layer) int { return a.index - b.index })

	name := func(idx int, kind string) string {
		if prefix == "" {
			return fmt.Sprintf("%d.%s", idx, kind)
		}
		return fmt.Sprintf("%s.%d.%s", prefix, idx, kind)
	}
	cfg := Config{Act: act, TimeFirst: timeFirst}
	for l, L := range layers {
		if L.weight == nil {
			return nil, errorf("%s has no matching weight", name(L.index, "bias"))
		}
		if L.bias == nil {
			return nil, errorf("%s has no matching bias", name(L.index, "weight"))
		}
		ws, bs := L.weight.Shape, L.bias.Shape
		if len(ws) != 2 {
			return nil, errorf("%s has shape %v, want [out, in]", L.weight.Name, ws)
		}
		if len(bs) != 1 || bs[0] != ws[0] {
			return nil, errorf("%s has shape %v, want [%d] to match %s %v", L.bias.Name, bs, ws[0], L.weight.Name, ws)
		}
		if len(L.weight.Data) != ws[0]*ws[1] || len(L.bias.Data) != bs[0] {
			return nil, errorf("layer %s: data do not match the shapes", name(L.index, "*"))
		}
		if l == 0 {
			cfg.In = ws[1]
		} else if prevOut := layers[l-1].weight.Shape[0]; ws[1] != prevOut {
			return nil, errorf("%s takes %d inputs, but %s gives %d outputs", L.weight.Name, ws[1], layers[l-1].weight.Name, prevOut)
		}
		if l == len(layers)-1 {
			cfg.Out = ws[0]
		} else {
			cfg.Hidden = append(cfg.Hidden, ws[0])
		}
	}
	var emb *Tensor
	embName := embeddingTensorName(prefix)
	for i := range tensors {
		if tensors[i].Name != embName {
			continue
		}
		if emb != nil {
			return nil, errorf("tensor %q appears twice", embName)
		}
		emb = &tensors[i]
		width := layers[0].weight.Shape[0]
		if s := emb.Shape; len(s) != 2 || s[0] < 2 || s[1] != width || len(emb.Data) != s[0]*s[1] {
			return nil, errorf("%s has shape %v, want [classes+1, %d] (at least 2 rows: a class and \"no label\")", embName, s, width)
		}
		cfg.Classes = emb.Shape[0] - 1
	}
	m, err := New(cfg)
	if err != nil {
		return nil, errorf("state dict: %w", err)
	}
	if emb != nil {
		for i, v := range emb.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, errorf("%s holds %v at index %d", emb.Name, v, i)
			}
		}
		copy(m.emb.w, emb.Data)
	}
	for l, L := range layers {
		for _, t := range []*Tensor{L.weight, L.bias} {
			for i, v := range t.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, errorf("%s holds %v at index %d", t.Name, v, i)
				}
			}
		}
		copy(m.layers[l].w, L.weight.Data)
		copy(m.layers[l].b, L.bias.Data)
	}
	return m, nil
}
