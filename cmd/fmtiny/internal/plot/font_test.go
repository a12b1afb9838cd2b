package plot

import (
	"image"
	"slices"
	"strings"
	"testing"
)

// render draws s at scale 1 on a white canvas just large enough and returns it as rows of
// '#' (ink) and '.' (anything else).
func render(s string, scale int) []string {
	w, h := textWidth(s, scale), textHeight(scale)
	img := image.NewRGBA(image.Rect(0, 0, max(w, 1), h))
	fillRect(img, 0, 0, w, h, white)
	drawText(img, 0, 0, s, scale, ink)
	rows := make([]string, h)
	for y := range h {
		var b strings.Builder
		for x := range w {
			if img.RGBAAt(x, y) == ink {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		rows[y] = b.String()
	}
	return rows
}

func TestFontRendersKnownString(t *testing.T) {
	// Worked out by hand from the sheet: '1' (3 columns), '.' (2), '5' (5) and '_' (5), each
	// drawn from its inked columns and followed by one blank column except the last; '_' sits
	// below the baseline (row 6), where descenders go.
	want := []string{
		".#.....#####......",
		"##.....#..........",
		".#.....####.......",
		".#.........#......",
		".#.........#......",
		".#..##.#...#......",
		"###.##..###.......",
		".............#####",
		"..................",
	}
	if got := render("1.5_", 1); !slices.Equal(got, want) {
		t.Errorf("\"1.5_\" renders as\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFontEveryGlyphHasInk(t *testing.T) {
	for c := byte(33); c <= 126; c++ {
		rows := render(string(c), 1)
		inked := 0
		for _, r := range rows {
			inked += strings.Count(r, "#")
		}
		if inked == 0 || len(rows[0]) == 0 {
			t.Errorf("%q has no ink", c)
		}
		if g := glyphOf(c); g.width < 1 || g.left+g.width > glyphW {
			t.Errorf("%q: inked columns %d..%d outside the cell", c, g.left, g.left+g.width-1)
		}
	}
	if textWidth(" ", 1) != spaceW || textWidth("  ", 1) != 2*spaceW+1 {
		t.Errorf("space advances %d, two spaces %d", textWidth(" ", 1), textWidth("  ", 1))
	}
	// Bytes outside printable ASCII draw as '?'.
	if got, want := render("\x01é", 1), render("???", 1); !slices.Equal(got, want) {
		t.Errorf("non-ASCII renders as\n%s", strings.Join(got, "\n"))
	}
}

// TestFontShapes checks glyphs whose shape a test can state: 'I' is a vertical bar with
// serifs, '-' a horizontal bar at mid-height, '.' sits on the baseline, 'g' and 'y' reach below
// it, capitals are 7 rows tall and 'x' is 5.
func TestFontShapes(t *testing.T) {
	rows := render("I", 1)
	for y, r := range rows {
		switch {
		case y == 0 || y == 6:
			if r != "###" {
				t.Errorf("I row %d = %q, want ###", y, r)
			}
		case y < 6:
			if r != ".#." {
				t.Errorf("I row %d = %q, want .#.", y, r)
			}
		default:
			if r != "..." {
				t.Errorf("I row %d = %q, want blank", y, r)
			}
		}
	}
	inkRows := func(s string) (top, bottom int) {
		top, bottom = -1, -1
		for y, r := range render(s, 1) {
			if strings.Contains(r, "#") {
				if top < 0 {
					top = y
				}
				bottom = y
			}
		}
		return top, bottom
	}
	for _, c := range []struct {
		s           string
		top, bottom int
	}{
		{"-", 3, 3}, {".", 5, 6}, {"A", 0, 6}, {"Z", 0, 6}, {"0", 0, 6}, {"x", 2, 6},
		{"g", 2, 8}, {"y", 2, 8}, {"p", 2, 8}, {"_", 7, 7}, {"t", 0, 6}, {"~", 3, 5},
	} {
		if top, bottom := inkRows(c.s); top != c.top || bottom != c.bottom {
			t.Errorf("%q inked from row %d to %d, want %d to %d", c.s, top, bottom, c.top, c.bottom)
		}
	}
	if r := render("-", 1)[3]; r != "#####" {
		t.Errorf("- is %q", r)
	}
}

func TestFontScale(t *testing.T) {
	small, big := render("t = 0.5", 1), render("t = 0.5", 3)
	if len(big) != 3*len(small) || len(big[0]) != 3*len(small[0]) {
		t.Fatalf("scale 3 is %dx%d, scale 1 %dx%d", len(big[0]), len(big), len(small[0]), len(small))
	}
	for y, r := range big {
		for x := range r {
			if r[x] != small[y/3][x/3] {
				t.Fatalf("scale 3 pixel (%d, %d) = %c, scale 1 pixel (%d, %d) = %c", x, y, r[x], x/3, y/3, small[y/3][x/3])
			}
		}
	}
	// Drawing off the canvas clips instead of panicking.
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	drawText(img, -7, -3, "Clip me", 2, ink)
	drawText(img, 8, 8, "W", 2, ink)
}
