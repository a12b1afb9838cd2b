package plot

import (
	"bufio"
	"encoding/binary"
	"image"
	"image/color"
	"io"

	"github.com/fmtiny/fmtiny/fm/fileio"
)

// This file writes a picture as a PNG file: image/png would do it, but it links a decoder too,
// about 25 KB of a binary that must stay small on a board.

// EncodePNG writes img, whose bounds must start at (0, 0), as an 8-bit PNG: RGB when every pixel
// is opaque (fmtiny's pictures are), straight RGBA otherwise, each row filtered by whichever of PNG's five filters gives the smallest sum of
// absolute values (the heuristic of the PNG specification and of image/png), then compressed.
func EncodePNG(w io.Writer, img *image.RGBA) error {
	b := img.Bounds()
	width, height := b.Dx(), b.Dy()
	if b.Min != (image.Point{}) {
		return errorf("plot: a picture whose bounds start at %v, not (0, 0)", b.Min)
	}
	opaque := img.Opaque()
	bpp := 4 // bytes a pixel
	colorType := byte(6)
	if opaque {
		bpp, colorType = 3, 2
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 8, colorType // depth 8; compression, filter and interlace 0
	writeChunk(bw, "IHDR", ihdr[:])

	n := width * bpp
	raw := make([]byte, 0, height*(n+1))
	prev, cur := make([]byte, n), make([]byte, n)
	var filtered [5][]byte
	for f := range filtered {
		filtered[f] = make([]byte, n+1)
		filtered[f][0] = byte(f)
	}
	for y := range height {
		row := img.Pix[y*img.Stride : y*img.Stride+4*width]
		if opaque {
			for x := range width {
				copy(cur[3*x:3*x+3], row[4*x:4*x+3])
			}
		} else {
			// PNG's alpha is straight; image.RGBA's colours are multiplied by it.
			for x := range width {
				c := color.NRGBAModel.Convert(img.RGBAAt(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				cur[4*x], cur[4*x+1], cur[4*x+2], cur[4*x+3] = c.R, c.G, c.B, c.A
			}
		}
		best := filterRow(&filtered, cur, prev, bpp)
		raw = append(raw, filtered[best]...)
		prev, cur = cur, prev
	}
	for data := zlibCompress(raw); len(data) > 0; {
		n := min(len(data), 1<<16) // IDAT chunks of up to 64 KiB
		writeChunk(bw, "IDAT", data[:n])
		data = data[n:]
	}
	writeChunk(bw, "IEND", nil)
	return bw.Flush()
}

// filterRow fills filtered[f][1:] with the row cur under each filter f (none, sub, up, average,
// Paeth), given the row above, prev, and returns the filter whose bytes, read as signed, have
// the smallest sum of absolute values.
func filterRow(filtered *[5][]byte, cur, prev []byte, bpp int) int {
	best, bestSum := 0, -1
	for f := range filtered {
		out, sum := filtered[f][1:], 0
		for i, c := range cur {
			var a, b, cc byte // left, up, up-left
			if i >= bpp {
				a, cc = cur[i-bpp], prev[i-bpp]
			}
			b = prev[i]
			var v byte
			switch f {
			case 0:
				v = c
			case 1:
				v = c - a
			case 2:
				v = c - b
			case 3:
				v = c - byte((int(a)+int(b))/2)
			case 4:
				v = c - paeth(a, b, cc)
			}
			out[i] = v
			sum += abs(int(int8(v)))
		}
		if bestSum < 0 || sum < bestSum {
			best, bestSum = f, sum
		}
	}
	return best
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// writeChunk writes a PNG chunk: its length, type, data and the CRC-32 of type and data.
// Errors surface at the writer's Flush.
func writeChunk(w *bufio.Writer, kind string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	w.WriteString(kind)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], fileio.CRC32(fileio.CRC32(0, []byte(kind)), data))
	w.Write(n[:])
}
