package fm

import (
	"strconv"
	"strings"
)

// This file holds what class-conditional models share: the bound on their classes, the labels
// of a balanced sample, and the model file's record of the classes.

// MaxClasses bounds the classes of a conditional model: far above any labelled dataset fmtiny
// is meant for, low enough that a column of identifiers taken for labels is refused rather
// than embedded.
const MaxClasses = 1 << 16

// BalancedLabels returns the labels of n points split evenly among classes classes, in order:
// the first n/classes points (or one more) label 0, the next ones 1, and so on.
func BalancedLabels(n, classes int) []int32 {
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(int64(i) * int64(classes) / int64(n))
	}
	return y
}

// Metadata keys of a conditional model.
const (
	keyClasses     = "label.classes" // the number of classes; label_emb.weight has one row more
	keyLabelValues = "label.values"  // the data's label value of each class, when not 0..K-1
)

// LabelValue is the data's value of class k: k itself, or the value a CSV file's label column
// gave it (Model.LabelValues).
func (m *Model) LabelValue(k int) int64 {
	if m.LabelValues != nil {
		return m.LabelValues[k]
	}
	return int64(k)
}

// LabelOf returns the class of the data's label value v, and false if v is none of the model's.
func (m *Model) LabelOf(v int64) (int, bool) {
	k := m.NumClasses()
	if m.LabelValues == nil {
		return int(v), v >= 0 && v < int64(k)
	}
	for c, lv := range m.LabelValues {
		if lv == v {
			return c, true
		}
	}
	return 0, false
}

// parseLabelValues reads the label.values key: k distinct integers in increasing order.
func parseLabelValues(s string, k int) ([]int64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != k {
		return nil, errorf("metadata %s has %d values for %d classes", keyLabelValues, len(parts), k)
	}
	v := make([]int64, k)
	for i, p := range parts {
		x, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || i > 0 && x <= v[i-1] {
			return nil, errorf("metadata %s = %q: want %d increasing integers", keyLabelValues, s, k)
		}
		v[i] = x
	}
	return v, nil
}

func joinInt64s(v []int64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(s, ",")
}
