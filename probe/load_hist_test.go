package probe

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// within reports whether got is the true percentile want rounded up to its
// bucket: never below, at most 1/histHalf above.
func within(got, want time.Duration) bool {
	return got >= want && float64(got) <= float64(want)*(1+1.0/histHalf)+1
}

func TestHistogramPercentiles(t *testing.T) {
	type pct struct {
		p    float64
		want time.Duration
	}
	seq := func(from, to, step time.Duration) []time.Duration {
		var v []time.Duration
		for d := from; d <= to; d += step {
			v = append(v, d)
		}
		return v
	}
	bimodal := append(repeat(time.Millisecond, 990), repeat(100*time.Millisecond, 10)...)
	tests := []struct {
		name           string
		values         []time.Duration
		min, max, mean time.Duration
		pcts           []pct
	}{
		{"exact small values 1..100ns", seq(1, 100, 1), 1, 100, 50,
			[]pct{{50, 50}, {90, 90}, {99, 99}, {99.9, 100}, {100, 100}, {0.001, 1}}},
		{"1..1000us uniform", seq(time.Microsecond, time.Millisecond, time.Microsecond), time.Microsecond, time.Millisecond, 500500 * time.Nanosecond,
			[]pct{{50, 500 * time.Microsecond}, {90, 900 * time.Microsecond}, {99, 990 * time.Microsecond}, {99.9, 999 * time.Microsecond}}},
		{"single value", []time.Duration{3 * time.Millisecond}, 3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond,
			[]pct{{50, 3 * time.Millisecond}, {99.9, 3 * time.Millisecond}}},
		{"bimodal tail", bimodal, time.Millisecond, 100 * time.Millisecond, 1990 * time.Microsecond,
			[]pct{{50, time.Millisecond}, {99, time.Millisecond}, {99.1, 100 * time.Millisecond}, {99.9, 100 * time.Millisecond}}},
		{"hour-long values", []time.Duration{time.Hour, 2 * time.Hour}, time.Hour, 2 * time.Hour, 90 * time.Minute,
			[]pct{{50, time.Hour}, {100, 2 * time.Hour}}},
		{"negative counts as zero", []time.Duration{-5, 0, 10}, 0, 10, 3,
			[]pct{{50, 0}, {100, 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHistogram()
			// Record in a shuffled order: the result must not depend on it.
			vals := append([]time.Duration(nil), tt.values...)
			rand.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
			for _, v := range vals {
				h.Record(v)
			}
			if got := h.Count(); got != uint64(len(tt.values)) {
				t.Errorf("Count() = %d, want %d", got, len(tt.values))
			}
			if got := h.Min(); got != tt.min {
				t.Errorf("Min() = %v, want %v", got, tt.min)
			}
			if got := h.Max(); got != tt.max {
				t.Errorf("Max() = %v, want %v", got, tt.max)
			}
			if got := h.Mean(); got != tt.mean {
				t.Errorf("Mean() = %v, want %v", got, tt.mean)
			}
			for _, p := range tt.pcts {
				if got := h.Percentile(p.p); !within(got, p.want) {
					t.Errorf("Percentile(%v) = %v, want %v (up to +%.2f%%)", p.p, got, p.want, 100.0/histHalf)
				}
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	v := make([]time.Duration, n)
	for i := range v {
		v[i] = d
	}
	return v
}

func TestHistogramEmpty(t *testing.T) {
	h := NewHistogram()
	if h.Percentile(50) != 0 || h.Min() != 0 || h.Max() != 0 || h.Mean() != 0 || h.Summary() != nil {
		t.Errorf("empty histogram: p50 %v min %v max %v mean %v summary %v, want zeros and nil",
			h.Percentile(50), h.Min(), h.Max(), h.Mean(), h.Summary())
	}
}

// TestHistogramBuckets checks the bucket arithmetic on every power-of-two
// edge and on random values: each value lies in its bucket, buckets are in
// order, and the bucket's width is within the promised precision.
func TestHistogramBuckets(t *testing.T) {
	var vals []uint64
	for s := range 63 {
		for _, d := range []int64{-1, 0, 1} {
			v := int64(1)<<s + d
			if v >= 0 {
				vals = append(vals, uint64(v))
			}
		}
	}
	vals = append(vals, math.MaxInt64)
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		vals = append(vals, r.Uint64N(math.MaxInt64))
		vals = append(vals, r.Uint64N(1<<uint(r.IntN(40)+1)))
	}
	for _, v := range vals {
		i := histIndex(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d, outside [0, %d)", v, i, histBuckets)
		}
		up := histUpper(i)
		lo := uint64(0)
		if i > 0 {
			lo = histUpper(i-1) + 1
		}
		if v < lo || v > up {
			t.Fatalf("value %d in bucket %d = [%d, %d]", v, i, lo, up)
		}
		if v >= histSub && float64(up-lo+1) > float64(lo)/histHalf {
			t.Fatalf("bucket %d = [%d, %d] is wider than 1/%d of its start", i, lo, up, histHalf)
		}
	}
}

func TestHistogramMerge(t *testing.T) {
	all, a, b := NewHistogram(), NewHistogram(), NewHistogram()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 10000 {
		d := time.Duration(r.Int64N(int64(50 * time.Millisecond)))
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	m := NewHistogram()
	m.Merge(a)
	m.Merge(b)
	m.Merge(NewHistogram())
	if *m.Summary() != *all.Summary() {
		t.Errorf("merged summary %+v, want %+v", *m.Summary(), *all.Summary())
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	b.RunParallel(func(pb *testing.PB) {
		d := time.Duration(12345)
		for pb.Next() {
			h.Record(d)
			d = d*7/5 + 1
			if d > time.Second {
				d = 12345
			}
		}
	})
}
