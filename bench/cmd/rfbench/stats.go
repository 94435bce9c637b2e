package main

import (
	"fmt"
	"math"
	"sort"
)

// sample is one figure's values, one per run.
type sample []float64

func (s sample) sorted() []float64 {
	c := append([]float64(nil), s...)
	sort.Float64s(c)
	return c
}

// median is the middle value (the mean of the two middle ones for an even
// count); NaN for no values.
func (s sample) median() float64 {
	c := s.sorted()
	switch n := len(c); {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return c[n/2]
	default:
		return (c[n/2-1] + c[n/2]) / 2
	}
}

func (s sample) min() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	return s.sorted()[0]
}

func (s sample) max() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	return s.sorted()[len(s)-1]
}

// ratios divides run by run: a[i]/b[i], so each comparison is taken within
// one run, under the same load.
func ratios(a, b sample) sample {
	n := min(len(a), len(b))
	r := make(sample, 0, n)
	for i := 0; i < n; i++ {
		if b[i] != 0 {
			r = append(r, a[i]/b[i])
		}
	}
	return r
}

// num prints a value with about three significant digits.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return "—"
	case a >= 1000:
		return commas(int64(math.Round(v)))
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// spread is "median (min–max)", the form every figure of the report takes.
func (s sample) spread() string {
	if len(s) == 0 {
		return "—"
	}
	if len(s) == 1 {
		return num(s[0])
	}
	return fmt.Sprintf("%s (%s–%s)", num(s.median()), num(s.min()), num(s.max()))
}

// ratioSpread is like spread with an "×".
func (s sample) ratioSpread() string {
	if len(s) == 0 {
		return "—"
	}
	return fmt.Sprintf("%s× (%s–%s)", num(s.median()), num(s.min()), num(s.max()))
}
