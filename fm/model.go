package fm

import (
	"errors"
	"github.com/fmtiny/fmtiny/fm/fileio"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fmtiny/fmtiny/nn"
)

// Format is the value of the `format` metadata key in the files fmtiny writes.
const Format = "fmtiny/1"

// Model is a trained velocity field with what sampling it needs: the network, the path it was
// trained on (which fixes the time range), and the statistics that map the data's own units to
// the network's.
type Model struct {
	Net   Network
	Path  Path
	Stats Stats  // the network sees (x - Mean)/Std
	Data  string // the dataset's name or the CSV file it was trained on, for eval and info
	// Source names the distribution the flow starts from: "" for N(0, I), or a dataset's name
	// or CSV file (TrainConfig.Source), from which sampling draws its initial points
	// (SampleOptions.Source), standardised with Stats as the data are.
	Source string
	// Shape is an image's channels, height and width when the points are images (their
	// Dim() values are the pixels, channel by channel, row by row), and nil for vectors.
	Shape []int
	// Columns names the Dim() columns of a model trained on a CSV file with a header, which its
	// samples are written under; nil otherwise (ColumnNames gives the default names).
	Columns []string
	// DataOptions is how the training CSV file was read (its delimiter, chosen columns and
	// label column), so that eval reads the same columns of it again.
	DataOptions CSVOptions
	Steps       int64 // training steps taken
	Seed        uint64
	// LabelValues, for a conditional model trained on a CSV file's label column whose values
	// were not 0..NumClasses()-1, holds the file's value of each class; nil otherwise.
	LabelValues []int64

	// Inferred is set when the file had no fmtiny metadata (a PyTorch state dict): the layers
	// were read from the shapes and the rest are defaults or the loader's options.
	Inferred bool
	// Extra holds metadata keys fmtiny does not interpret; they are written back on save.
	Extra map[string]string
}

// Dim is the number of data dimensions the model generates.
func (m *Model) Dim() int { return m.Net.Dim() }

// NumClasses is the number of labels a class-conditional model takes, 0 for an unconditional
// one.
func (m *Model) NumClasses() int { return m.Net.NumClasses() }

// ColumnNames returns the names of the model's columns: those of the CSV file it was trained
// on, or x,y (2D) and x0,x1,... otherwise.
func (m *Model) ColumnNames() []string {
	if m.Columns != nil {
		return m.Columns
	}
	return ColumnNames(m.Dim())
}

// MLP returns the model's network if it is an MLP, and nil otherwise.
func (m *Model) MLP() *nn.MLP {
	if n, ok := m.Net.(*MLPNetwork); ok {
		return n.MLP
	}
	return nil
}

// The metadata keys of the model file (its __metadata__, strings to strings): the format, the
// network and its settings, the path and its parameters, the data's statistics, shape and
// source, and the training's steps and seed.
const (
	keyFormat    = "format"
	keyArch      = "network"
	keyChannels  = "unet.channels"
	keyAct       = "activation"
	keyTime      = "time"
	keyPath      = "path"
	keySigmaMin  = "path.sigma_min"
	keyBetaMin   = "path.beta_min"
	keyBetaMax   = "path.beta_max"
	keyTEnd      = "path.t_end"
	keyMean      = "data.mean"
	keyShape     = "data.shape"
	keyColumns   = "data.columns"
	keySelect    = "data.select"
	keyDelimiter = "data.delimiter"
	keyStd       = "data.std"
	keyData      = "data"
	keySource    = "source"
	keySteps     = "train.steps"
	keySeed      = "train.seed"
	tensorPrefix = "main"
)

// Metadata returns the model's __metadata__ map.
func (m *Model) Metadata() map[string]string {
	meta := map[string]string{}
	for k, v := range m.Extra {
		meta[k] = v
	}
	f := func(v float64) string { return formatFloat(v, 'g', -1, 64) }
	meta[keyFormat] = Format
	m.Net.describe(meta)
	meta[keyPath] = m.Path.Name()
	meta[keyTEnd] = f(m.Path.TEnd)
	switch m.Path.Schedule {
	case CondOT:
		meta[keySigmaMin] = f(m.Path.SigmaMin)
	case VP:
		meta[keyBetaMin], meta[keyBetaMax] = f(m.Path.BetaMin), f(m.Path.BetaMax)
	}
	meta[keyMean] = statValues(m.Stats.Mean, m.Shape)
	meta[keyStd] = statValues(m.Stats.Std, m.Shape)
	if m.Shape != nil {
		meta[keyShape] = joinInts(m.Shape)
	}
	if m.Columns != nil {
		meta[keyColumns] = CSVHeader(m.Columns)
	}
	if o := m.DataOptions; o.Columns != nil {
		meta[keySelect] = CSVHeader(o.Columns)
	}
	if d := m.DataOptions.Delimiter; d != 0 {
		meta[keyDelimiter] = delimiterFlag(d)
	}
	meta[keyData] = m.Data
	if m.Source != "" {
		meta[keySource] = m.Source
	}
	meta[keySteps] = strconv.FormatInt(m.Steps, 10)
	meta[keySeed] = strconv.FormatUint(m.Seed, 10)
	if m.LabelValues != nil {
		meta[keyLabelValues] = joinInt64s(m.LabelValues)
	}
	// A training record present in Extra says what the model says (a trainer's does; one from a
	// file without fmtiny's metadata may not, and ParseModel would refuse it).
	for _, kv := range m.repeated() {
		if _, ok := meta[kv[0]]; ok {
			meta[kv[0]] = kv[1]
		}
	}
	return meta
}

// repeated lists the keys of the training record (train.*) that repeat what the model itself
// says, with the model's values.
func (m *Model) repeated() [][2]string {
	src := m.Source
	if src == "" {
		src = SourceNoise
	}
	r := [][2]string{{"train.path", m.Path.Name()}, {"train.data", m.Data}, {keyTrainSource, src}}
	if u, ok := m.Net.(*UNetNetwork); ok {
		r = append(r, [2]string{keyTrainNetwork, ArchUNet}, [2]string{keyTrainChannels, itoa(u.Base)})
	}
	if net := m.MLP(); net != nil {
		r = append(r, [2]string{"train.hidden", hiddenList(net.Hidden)},
			[2]string{"train.activation", net.Act.String()}, [2]string{"train.time", timeName(net.TimeFirst)})
	}
	return r
}

func timeName(first bool) string {
	if first {
		return "first"
	}
	return "last"
}

// statValues writes a column statistic as the model file holds it: a value per column, or one
// for all the pixels of an image when they share it (the seed's normalisation).
func statValues(v []float64, shape []int) string {
	if shape != nil && len(v) > 0 && !slices.ContainsFunc(v, func(x float64) bool { return x != v[0] }) {
		return joinFloats(v[:1])
	}
	return joinFloats(v)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = itoa(x)
	}
	return strings.Join(s, ",")
}

func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = formatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// WriteTo writes the model as a safetensors file: the network's state dict under PyTorch's
// nn.Sequential names and the metadata.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	err := nn.WriteSafetensors(cw, m.Net.tensors(), m.Metadata())
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Save writes the model to path atomically: a crash or a full disk leaves either the old file
// or the new one, never a mixture.
func (m *Model) Save(path string) error {
	return fileio.WriteAtomic(path, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	})
}

// LoadOptions settle what a file without fmtiny's metadata cannot say. Nil fields take the
// defaults of facebookresearch/flow_matching's 2D example: SiLU, t last, the CondOT path. For a
// file with fmtiny's metadata they must agree with it.
type LoadOptions struct {
	Act       *nn.Activation
	TimeFirst *bool
	Path      *Path
}

// MaxModelSize bounds the files LoadModel reads: far above any MLP fmtiny trains, far below
// what would exhaust a small board's memory when a wrong file is given.
const MaxModelSize = 1 << 30

// LoadModel reads and validates a model file. Errors name the file.
func LoadModel(path string, opt LoadOptions) (*Model, error) {
	data, err := fileio.ReadLimited(path, MaxModelSize)
	if err != nil {
		return nil, err
	}
	m, err := ParseModel(data, opt)
	if err != nil {
		return nil, errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseModel builds a model from a safetensors file's bytes, with fmtiny's metadata if present.
func ParseModel(data []byte, opt LoadOptions) (*Model, error) {
	tensors, meta, err := nn.ReadSafetensors(data)
	if err != nil {
		return nil, err
	}
	m := &Model{Extra: map[string]string{}}
	// PyTorch's safetensors.torch.save_file conventionally writes "format": "pt"; only a
	// format of fmtiny's own makes the file fmtiny's.
	ours := strings.HasPrefix(meta[keyFormat], "fmtiny/")
	if ours && meta[keyFormat] != Format {
		return nil, errorf("format %q is not %q: written by a newer fmtiny?", meta[keyFormat], Format)
	}
	// The network: an MLP, or the seed's UNet, which a file without fmtiny's metadata is when it
	// holds the UNet's first convolution.
	arch := ArchMLP
	if ours && meta[keyArch] != "" {
		arch = meta[keyArch]
	} else if !ours && slices.ContainsFunc(tensors, func(t nn.Tensor) bool { return t.Name == "enc1.0.weight" }) {
		arch = ArchUNet
	}
	act, timeFirst, path := nn.SiLU, false, NewPath(CondOT)
	switch arch {
	case ArchMLP:
	case ArchUNet:
		act = nn.ELU // the seed's
		if opt.TimeFirst != nil {
			return nil, errorf("a UNet takes t as a plane beside the image, not first or last")
		}
	default:
		return nil, errorf("metadata %s = %q: want %s or %s", keyArch, arch, ArchMLP, ArchUNet)
	}
	if ours {
		if act, err = nn.ParseActivation(meta[keyAct]); err != nil {
			return nil, errorf("metadata %s: %w", keyAct, err)
		}
		switch {
		case arch == ArchUNet:
		case meta[keyTime] == "first":
			timeFirst = true
		case meta[keyTime] != "last":
			return nil, errorf("metadata %s = %q: want first or last", keyTime, meta[keyTime])
		}
		if path, err = pathFromMetadata(meta); err != nil {
			return nil, err
		}
	} else {
		m.Inferred = true
		if opt.Path != nil {
			path = *opt.Path
		}
	}
	if ours {
		// The file says what it is; an option may repeat it but not contradict it.
		switch {
		case opt.Act != nil && *opt.Act != act:
			return nil, errorf("the file's activation is %s, not %s", act, *opt.Act)
		case opt.TimeFirst != nil && *opt.TimeFirst != timeFirst:
			return nil, errorf("the file's time input is %s, not %s", timeName(timeFirst), timeName(*opt.TimeFirst))
		case opt.Path != nil && opt.Path.Name() != path.Name():
			return nil, errorf("the file's path is %s, not %s", path.Name(), opt.Path.Name())
		}
	}
	if opt.Act != nil {
		act = *opt.Act
	}
	if opt.TimeFirst != nil {
		timeFirst = *opt.TimeFirst
	}
	if arch == ArchUNet {
		if err := m.readUNet(tensors, meta, ours, act); err != nil {
			return nil, err
		}
	} else {
		net, err := nn.FromStateDict(tensors, act, timeFirst)
		if err != nil {
			return nil, err
		}
		if net.Out != net.In-1 {
			return nil, errorf("the network maps %d inputs to %d outputs; a velocity field of d dims takes d+1 (x and t) and gives d", net.In, net.Out)
		}
		m.Net = &MLPNetwork{net}
	}
	m.Path = path
	d := m.Dim()
	if !ours {
		m.Stats = Identity(d)
		if m.Shape != nil {
			m.Stats = (&Images{C: m.Shape[0], H: m.Shape[1], W: m.Shape[2]}).Stats() // the seed's
		}
		if meta != nil {
			m.Extra = meta // the reader's map, not a copy: a header may hold millions of keys
		}
		return m, nil
	}
	if s, ok := meta[keyShape]; ok && m.Shape == nil {
		if m.Shape, err = parseShape(s, d); err != nil {
			return nil, err
		}
	}
	if v, ok := meta[keyColumns]; ok {
		if m.Columns, err = ParseCSVHeader(v); err != nil {
			return nil, errorf("metadata %s = %.40q: %v", keyColumns, v, err)
		}
		if len(m.Columns) != d {
			return nil, errorf("metadata %s has %d names for a model of %d dimensions", keyColumns, len(m.Columns), d)
		}
	}
	if v, ok := meta[keySelect]; ok {
		if m.DataOptions.Columns, err = ParseCSVHeader(v); err != nil || len(m.DataOptions.Columns) != d {
			return nil, errorf("metadata %s = %.40q: want the %d columns read", keySelect, v, d)
		}
	}
	if v, ok := meta[keyDelimiter]; ok {
		if m.DataOptions.Delimiter, err = ParseDelimiter(v); err != nil {
			return nil, errorf("metadata %s: %v", keyDelimiter, err)
		}
	}
	m.DataOptions.Label = meta[keyTrainLabelColumn]
	if m.Stats.Mean, err = parseFloats(meta[keyMean], d, keyMean, m.Shape != nil); err != nil {
		return nil, err
	}
	if m.Stats.Std, err = parseFloats(meta[keyStd], d, keyStd, m.Shape != nil); err != nil {
		return nil, err
	}
	for j, s := range m.Stats.Std {
		if !(s > 0) {
			return nil, errorf("metadata %s: column %d has standard deviation %v", keyStd, j+1, s)
		}
	}
	m.Data = meta[keyData]
	if m.Source = meta[keySource]; m.Source == SourceNoise {
		m.Source = ""
	}
	if m.Steps, err = strconv.ParseInt(meta[keySteps], 10, 64); err != nil || m.Steps < 0 {
		return nil, errorf("metadata %s = %q is not a step count", keySteps, meta[keySteps])
	}
	if m.Seed, err = strconv.ParseUint(meta[keySeed], 10, 64); err != nil {
		return nil, errorf("metadata %s = %q is not a seed", keySeed, meta[keySeed])
	}
	if err := m.parseLabels(meta); err != nil {
		return nil, err
	}
	// The training record (train.*) repeats what the tensors and the keys above say; a file in
	// which they disagree was edited or damaged, and which of the two to believe is unknowable.
	for _, kv := range m.repeated() {
		if v, ok := meta[kv[0]]; ok && v != kv[1] {
			return nil, errorf("metadata %s = %q contradicts the rest of the file, which says %q", kv[0], v, kv[1])
		}
	}
	// What is left once fmtiny's own keys are gone is kept, in the reader's map (not a copy: a
	// header may hold millions of keys).
	for k := range m.Metadata() {
		delete(meta, k)
	}
	m.Extra = meta
	return m, nil
}

// parseLabels checks the record of the classes against the network's label embedding and reads
// the data's label values.
func (m *Model) parseLabels(meta map[string]string) error {
	k := m.NumClasses()
	s, ok := meta[keyClasses]
	switch {
	case ok && s != itoa(k) && k == 0:
		return errorf("metadata %s = %q, but the file has no %s.weight", keyClasses, s, nn.EmbeddingName)
	case ok && s != itoa(k):
		return errorf("metadata %s = %q contradicts %s.weight, which has %d classes", keyClasses, s, nn.EmbeddingName, k)
	}
	if v, ok := meta[keyLabelValues]; ok {
		if k == 0 {
			return errorf("metadata %s for a model without classes", keyLabelValues)
		}
		var err error
		if m.LabelValues, err = parseLabelValues(v, k); err != nil {
			return err
		}
	}
	return nil
}

func pathFromMetadata(meta map[string]string) (Path, error) {
	p, err := ParsePath(meta[keyPath])
	if err != nil {
		return Path{}, errorf("metadata %s: %w", keyPath, err)
	}
	num := func(key string, dst *float64) error {
		s, ok := meta[key]
		if !ok {
			return nil // the path's default
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return errorf("metadata %s = %q is not a finite number", key, s)
		}
		*dst = v
		return nil
	}
	if err := errors.Join(num(keyTEnd, &p.TEnd), num(keySigmaMin, &p.SigmaMin),
		num(keyBetaMin, &p.BetaMin), num(keyBetaMax, &p.BetaMax)); err != nil {
		return Path{}, err
	}
	if err := p.Validate(); err != nil {
		return Path{}, errorf("metadata: %w", err)
	}
	return p, nil
}

// SeedImageSize is the height and width of the images a UNet from a file without fmtiny's
// metadata takes: MNIST's, as the seed trains it.
const SeedImageSize = 28

// readUNet builds the model's UNet from the state dict: on images of the shape the metadata
// gives, or for a file without fmtiny's metadata, the seed's 28 x 28, its channels read from
// the weights.
func (m *Model) readUNet(tensors []nn.Tensor, meta map[string]string, ours bool, act nn.Activation) error {
	shape := []int{0, SeedImageSize, SeedImageSize}
	if ours {
		s, ok := meta[keyShape]
		if !ok {
			return errorf("a UNet model without metadata %s (channels,height,width)", keyShape)
		}
		var err error
		if shape, err = parseShape(s, -1); err != nil {
			return err
		}
		if err := nn.SeedUNet(shape[0], shape[1], shape[2], 1).Validate(); err != nil {
			return errorf("metadata %s = %q: %v", keyShape, s, err)
		}
	}
	u, err := nn.UNetFromStateDict(tensors, shape[1], shape[2], act)
	if err != nil {
		return err
	}
	if ours {
		if shape[0] != u.Channels {
			return errorf("metadata %s = %q, but the weights take images of %d channels", keyShape, meta[keyShape], u.Channels)
		}
		if b, err := strconv.Atoi(meta[keyChannels]); err != nil || b != u.Base {
			return errorf("metadata %s = %q, but the weights have %d base channels", keyChannels, meta[keyChannels], u.Base)
		}
	}
	m.Net = &UNetNetwork{u}
	m.Shape = []int{u.Channels, shape[1], shape[2]}
	return nil
}

// parseShape reads an image's shape, channels, height and width, which must hold d values.
func parseShape(s string, d int) ([]int, error) {
	parts := strings.Split(s, ",")
	shape := make([]int, len(parts))
	size := 1
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 || d >= 0 && v > d || v > 1<<20 {
			return nil, errorf("metadata %s = %q: want channels,height,width", keyShape, s)
		}
		shape[i] = v
		size *= v
	}
	if len(shape) != 3 || d >= 0 && size != d {
		return nil, errorf("metadata %s = %q: want channels,height,width of the model's %d values", keyShape, s, d)
	}
	return shape, nil
}

// parseFloats reads want comma-separated numbers, or for an image one that every pixel shares.
func parseFloats(s string, want int, key string, image bool) ([]float64, error) {
	parts := strings.Split(s, ",")
	if image && len(parts) == 1 && want > 1 {
		v, err := parseFloats(s, 1, key, false)
		if err != nil {
			return nil, err
		}
		return slices.Repeat(v, want), nil
	}
	if len(parts) != want {
		return nil, errorf("metadata %s has %d values for a model of %d dimensions", key, len(parts), want)
	}
	v := make([]float64, want)
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errorf("metadata %s: value %d, %q, is not a finite number", key, i+1, p)
		}
		v[i] = x
	}
	return v, nil
}
