package fm

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// This file reads MNIST-format IDX files (torchvision's download, Debian's dataset-fashion-mnist)
// into an image dataset.

// MaxIDXSize bounds the values an IDX file may hold (1 GiB of bytes): far above MNIST's 47 MB,
// far below what a hostile header could make a reader allocate.
const MaxIDXSize = 1 << 30

// ReadIDX reads an IDX file of unsigned bytes, gzip-compressed or not: its dimensions and its
// values, row-major. The magic number, the dimensions, the length and the compressed stream are
// checked; a file whose values end early or go on past its dimensions is an error.
func ReadIDX(r io.Reader) (dims []int, data []byte, err error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := newGunzip(br)
		if err != nil {
			return nil, nil, errorf("gzip: %w", err)
		}
		if dims, data, err = readIDX(bufio.NewReader(zr)); err != nil {
			err = errorf("gzip-compressed: %w", err)
		}
		return dims, data, err
	}
	return readIDX(br)
}

// readIDX reads an IDX file's uncompressed bytes.
func readIDX(br *bufio.Reader) (dims []int, data []byte, err error) {
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, nil, errorf("no IDX header: %w", eofAsTruncated(err))
	}
	switch {
	case magic[0] != 0 || magic[1] != 0:
		return nil, nil, errorf("not an IDX file: it starts with % x, not 00 00", magic[:2])
	case magic[2] != 0x08:
		return nil, nil, errorf("IDX values of type 0x%02x; fmtiny reads unsigned bytes (0x08), as MNIST's files hold", magic[2])
	case magic[3] < 1 || magic[3] > 4:
		return nil, nil, errorf("IDX file of %d dimensions; images and labels have 1 to 4", magic[3])
	}
	dims = make([]int, magic[3])
	size := int64(1)
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, nil, errorf("IDX header: dimension %d: %w", i+1, eofAsTruncated(err))
		}
		v := binary.BigEndian.Uint32(b[:])
		if v == 0 {
			return nil, nil, errorf("IDX dimension %d is 0", i+1)
		}
		dims[i] = int(v)
		if size *= int64(v); size > MaxIDXSize {
			return nil, nil, errorf("IDX dimensions %v hold more than %d values", dims[:i+1], MaxIDXSize)
		}
	}
	// Read what the header promises and one byte more, to tell a longer file; the buffer grows
	// with what arrives, so a lying header does not allocate its claim.
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(br, size+1))
	switch {
	case err != nil:
		return nil, nil, errorf("IDX values: %w", eofAsTruncated(err))
	case n < size:
		return nil, nil, errorf("IDX file truncated: %d of the %d values its dimensions %v promise", n, size, dims)
	case n > size:
		return nil, nil, errorf("IDX file goes on past the %d values of its dimensions %v", size, dims)
	}
	return dims, buf.Bytes(), nil
}

func eofAsTruncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the file ends early")
	}
	return err
}

// Images is a dataset of images held in memory as bytes, with their labels when known: Sample
// draws images uniformly with replacement and writes their pixels / 255, in [0, 1].
type Images struct {
	Source  string // where they came from: "mnist:DIR"
	C, H, W int    // the shape of an image: channels, height, width
	Pixels  []byte // the images, C*H*W bytes each, channel by channel, row by row
	Labels  []byte // one label per image, or nil
	Classes int    // 1 + the largest label, 0 without labels
}

// The seed implementation's normalisation of MNIST pixels (torchvision's usual constants).
const (
	ImageMean = 0.1307
	ImageStd  = 0.3081
)

func (im *Images) Name() string { return im.Source }
func (im *Images) Dim() int     { return im.C * im.H * im.W }
func (im *Images) Len() int     { return len(im.Pixels) / im.Dim() }

func (im *Images) NumClasses() int                    { return im.Classes }
func (im *Images) Sample(r *rand.Rand, dst []float32) { im.SampleLabelled(r, dst, nil) }

// SampleLabelled is Sample with the images' labels (which must be present when labels is not
// nil).
func (im *Images) SampleLabelled(r *rand.Rand, dst []float32, labels []int32) {
	d := im.Dim()
	for i := 0; i+d <= len(dst); i += d {
		j := r.IntN(im.Len())
		for k, p := range im.Pixels[j*d : (j+1)*d] {
			dst[i+k] = float32(p) / 255
		}
		if labels != nil {
			labels[i/d] = int32(im.Labels[j])
		}
	}
}

// Stats are the seed's normalisation, the same for every pixel.
func (im *Images) Stats() Stats {
	d := im.Dim()
	s := Stats{Mean: make([]float64, d), Std: make([]float64, d)}
	for j := range d {
		s.Mean[j], s.Std[j] = ImageMean, ImageStd
	}
	return s
}

// MNISTPrefix starts a dataset name that names a folder of MNIST-format files: "mnist:DIR".
const MNISTPrefix = "mnist:"

// LoadMNIST reads the split ("train" or "t10k") of the MNIST-format files in dir:
// SPLIT-images-idx3-ubyte (or .gz) and, when present, SPLIT-labels-idx1-ubyte (or .gz) beside
// it. A torchvision root (dir/MNIST/raw, dir/FashionMNIST/raw) is looked into as well.
func LoadMNIST(dir, split string) (*Images, error) {
	imagesPath, err := findIDX(dir, split+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	im, err := readImages(imagesPath)
	if err != nil {
		return nil, err
	}
	im.Source = MNISTPrefix + dir
	labelsPath, err := findIDX(filepath.Dir(imagesPath), split+"-labels-idx1-ubyte")
	if err != nil {
		return im, nil // images without labels train an unconditional model
	}
	dims, labels, err := readIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(dims) != 1 || dims[0] != im.Len() {
		return nil, errorf("%s: %v labels for %d images", labelsPath, dims, im.Len())
	}
	im.Labels = labels
	for _, l := range labels {
		im.Classes = max(im.Classes, int(l)+1)
	}
	return im, nil
}

// findIDX looks for name or name.gz in dir, then in a torchvision root's raw folders.
func findIDX(dir, name string) (string, error) {
	for _, d := range []string{dir, filepath.Join(dir, "MNIST", "raw"), filepath.Join(dir, "FashionMNIST", "raw"), filepath.Join(dir, "raw")} {
		for _, n := range []string{name, name + ".gz"} {
			p := filepath.Join(d, n)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p, nil
			}
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", errorf("%s: not a folder of MNIST-format files", dir)
	}
	return "", missingIDX(dir + ": no " + name + " or " + name + ".gz")
}

// missingIDX says that a folder lacks a split's files; errors.Is(err, fs.ErrNotExist) tells it
// from a damaged file.
type missingIDX string

func (e missingIDX) Error() string        { return string(e) }
func (e missingIDX) Is(target error) bool { return target == fs.ErrNotExist }

func readIDXFile(path string) (dims []int, data []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if dims, data, err = ReadIDX(f); err != nil {
		return nil, nil, errorf("%s: %w", path, err)
	}
	return dims, data, nil
}

// readImages reads an IDX file of images: N x H x W (one channel) or N x C x H x W.
func readImages(path string) (*Images, error) {
	dims, data, err := readIDXFile(path)
	if err != nil {
		return nil, err
	}
	im := &Images{Pixels: data, C: 1}
	switch len(dims) {
	case 3:
		im.H, im.W = dims[1], dims[2]
	case 4:
		im.C, im.H, im.W = dims[1], dims[2], dims[3]
	default:
		return nil, errorf("%s: an IDX file of %d dimensions %v, not images (N x H x W)", path, len(dims), dims)
	}
	return im, nil
}

// IsMNIST reports whether a dataset name names MNIST-format files, and the folder.
func IsMNIST(name string) (dir string, ok bool) {
	if d, ok := strings.CutPrefix(name, MNISTPrefix); ok {
		return d, true
	}
	return "", false
}
