package plot

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
)

// WritePNG encodes img as PNG into path atomically: it writes a temporary file in the same
// folder, syncs it and renames it over path, so a failure (a full disk, a folder that does not
// exist, path naming a folder) leaves no file behind and any old file at path untouched. The
// same image always gives the same bytes.
func WritePNG(path string, img image.Image) (err error) {
	if fi, statErr := os.Stat(path); statErr == nil && fi.IsDir() {
		return fmt.Errorf("write %s: is a folder", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	w := bufio.NewWriterSize(f, 256<<10)
	if err := png.Encode(w, img); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	// CreateTemp makes the file readable by its owner alone; a picture is for everyone.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable where folders can be synced; elsewhere the picture is
	// written all the same.
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}

// Draw picks the picture for a set of tables: samples side by side (DensityPanels), rows of
// snapshots (SnapshotRows) or trajectories side by side (Trajectories). All must be of one kind.
func Draw(data []*Data, opt Options) (*image.RGBA, error) {
	if len(data) == 0 {
		return nil, errors.New("plot: nothing to draw")
	}
	for _, d := range data[1:] {
		if d.Kind != data[0].Kind {
			return nil, fmt.Errorf("plot: cannot draw %s (%s) and %s (%s) in one picture", data[0].name(), data[0].Kind, d.name(), d.Kind)
		}
	}
	switch data[0].Kind {
	case Sample:
		return DensityPanels(data, opt)
	case Snapshots:
		return SnapshotRows(data, opt)
	case Trajectory:
		return Trajectories(data, opt)
	}
	return nil, fmt.Errorf("plot: %s: unknown kind %s", data[0].name(), data[0].Kind)
}
