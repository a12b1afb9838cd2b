// Package plot draws fmtiny's pictures with the Go standard library alone: a built-in bitmap
// font, a small raster (opaque fills, alpha blending, Xiaolin Wu anti-aliased lines, discs)
// and PNG output.
//
// The input is a parsed CSV table, as fm.ReadCSV returns it, turned into Data by FromTable (or
// FromTableWith, which takes an images' shape):
//
//   - a sample (header x,y or x0,x1,...): DensityPanels draws one panel per sample, side by
//     side, as a 2D histogram (bins of Options.BinPixels pixels, counts c coloured by viridis at
//     log(1+c)/log(1+max c) so both dense and sparse regions show, empty bins white) or, for at
//     most ScatterMax points, as translucent dots;
//   - snapshots (header t,id,x,y, at most MaxSnapshots distinct t): SnapshotRows draws one row
//     per table, one panel per time titled "t = 0.10", the row labelled with the table's label;
//   - a trajectory (the same columns at more times): Trajectories draws each point's path
//     through its positions in time order, start points black, end points navy, a legend, for
//     the first Options.MaxPaths points (200 by default);
//   - images (Kind Images: one a row, pixels in [0, 1] channel by channel, row by row, as
//     C x H x W): ImageGrids draws each table as a grid, about as many rows as columns (8 x 8 for
//     64), at most MaxImages of them, each image pixel a square of about DefaultImageSide/H
//     screen pixels (Options.Size sets the image's side), grey for one channel and RGB for three,
//     values clamped to [0, 1], a thin white gap between images; several tables side by side;
//   - images at a few times (t,id first, from sample --at): ImageFlows draws the seed's picture
//     of the flow, a row per image (the first Options.Rows, 8 by default), a column per time
//     titled with it ("t = 0", "t = 0.125"), the noise on the left and the images on the right (at most
//     MaxFlowTimes columns: more times are thinned evenly, first and last kept); several tables
//     one above the other;
//   - a log-density grid (header x,y,logp, from eval --density; Kind LogDensity): DensityMaps
//     draws each as a heat map panel, side by side (exact and Hutchinson, as flow_matching's 2D
//     example does), each pixel the colour of its nearest lattice point, with one colour bar.
//
// Draw picks among these from the kind of the tables. Of points, only the first two
// coordinate columns are drawn; the title then says so ("x0, x1 of 5 dims").
//
// A table is images when its shape is given (TableOptions.Shape, the command line's
// --shape C,H,W) or, asked to decide, when its rows hold a perfect square of at least 64 values
// (one channel, H = W: 784 is MNIST's 28 x 28) or three times a perfect square (RGB); any other
// table is points. What a picture of images leaves out (images past the cap, labels past the
// rows, times thinned) is said under its title and by ImageNotes.
//
// A log-density grid's rows may come in any order: the distinct x and the distinct y values
// must form a full lattice, evenly spaced (to 1% of its step), each point once. The colour
// scale, shared by all panels, is viridis on logp itself over the 8 nats below the 99th
// percentile of all finite values (higher values take the top colour, lower ones the bottom),
// not on the density exp(logp): on the checkerboard the squares (log(1/39.5) = -3.68) are the
// bright top and the model's leak between them a darker ground with its own shape, while a few
// spikes and Hutchinson's noise of a few tenths of a nat neither set the scale nor speckle the
// squares, as they do on a linear scale, where that noise's factor of exp(0.3) on every cell
// would set the top and dim the exact panel. A logp that is not finite (NaN, an infinity) is
// drawn grey, and the colour bar then shows a grey swatch marked "not finite". (fm.ReadCSV
// refuses such values; the command line reads them in a logp column.)
//
// A column named label, first or right after t,id (label,x,y; t,id,label,x,y), gives each point
// an integer class; it is never a coordinate, and a label column elsewhere is an error. Classes
// take matplotlib's ten qualitative colours (tab10) in the order of their values, cycling after
// ten, the same in every panel of a picture. A sample's dots take their label's colour; its
// histogram colours each bin by the label most of its points have (the smaller on a tie), pale
// for a bin of one point and full for the fullest, on the same log scale as the plain
// histogram; a legend lists the labels. A trajectory's end points take their labels' colours.
// Snapshots have no colours to spare (their histograms use viridis for the count), so they
// ignore labels. A grid of labelled images has a row per label, ascending, each holding that
// label's first images, as many as the fullest label has up to MaxGridColumns; a flow of
// labelled images writes each row's label on its left.
//
// All panels of a picture share one range and one set of ticks, so the eye can compare them.
// By default the range of points holds the 0.5th to 99.5th percentile of every coordinate
// drawn (a trajectory's range also holds every start point drawn), padded by 8% of its span on
// each side, and a log-density map's holds every lattice's cells; Options.Range fixes it
// instead. Either way one data unit is the same length on both
// axes. Ticks fall on multiples of 1, 2, 2.5 or 5 times a power of ten, the same step on both
// axes.
//
// The same data and options always give the same pixels.
//
// Typical use, from the command line:
//
//	header, table, err := fm.ReadCSV(f)
//	d, err := plot.FromTable(header, table.D, table.X, "ot", plot.Auto)
//	img, err := plot.Draw([]*plot.Data{d}, plot.Options{})
//	err = png.Encode(w, img)
package plot
