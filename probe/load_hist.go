package probe

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram records durations in log-linear buckets, like HdrHistogram: every
// power of two above histSub is split into histHalf linear steps, so any recorded value is
// reported within 1/histHalf (0.8%) of itself, whatever its size, in a fixed
// 60 KiB. Record is safe for concurrent use (atomic adds, no lock); the load
// generator gives each group of workers its own shard and merges them at the
// end, so the counters are rarely contended.
//
// The zero value is not usable: call NewHistogram.
type Histogram struct {
	counts []atomic.Uint64
	total  atomic.Uint64
	sum    atomic.Uint64 // nanoseconds; 2^64 ns is 584 years
	min    atomic.Int64
	max    atomic.Int64
}

const (
	// histBits is the number of significant bits kept: values below
	// histSub are exact, larger ones keep their top histBits-1 bits after the leading one.
	histBits = 8
	histSub  = 1 << histBits // values below histSub have a bucket each
	histHalf = histSub / 2   // linear steps in each power of two above histSub
	// histBuckets covers every int64: histSub exact values, then histHalf
	// buckets for each remaining power of two.
	histBuckets = histSub + (63-histBits)*histHalf + histHalf
)

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	h := &Histogram{counts: make([]atomic.Uint64, histBuckets)}
	h.min.Store(math.MaxInt64)
	return h
}

// histIndex returns the bucket of v (v >= 0).
func histIndex(v uint64) int {
	if v < histSub {
		return int(v)
	}
	// v has n = bits.Len64(v) > histBits bits; keep the top histBits of them.
	shift := bits.Len64(v) - histBits
	// v>>shift is in [histHalf, histSub): the top bit is always set.
	return histSub + (shift-1)*histHalf + int(v>>shift) - histHalf
}

// histUpper returns the largest value that falls into bucket i.
func histUpper(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	i -= histSub
	shift := i/histHalf + 1
	top := uint64(i%histHalf + histHalf)
	return (top+1)<<shift - 1
}

// Record adds one duration. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[histIndex(uint64(v))].Add(1)
	h.total.Add(1)
	h.sum.Add(uint64(v))
	for {
		m := h.min.Load()
		if v >= m || h.min.CompareAndSwap(m, v) {
			break
		}
	}
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			break
		}
	}
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total.Load() == 0 {
		return
	}
	for i := range o.counts {
		if n := o.counts[i].Load(); n != 0 {
			h.counts[i].Add(n)
		}
	}
	h.total.Add(o.total.Load())
	h.sum.Add(o.sum.Load())
	if m := o.min.Load(); m < h.min.Load() {
		h.min.Store(m)
	}
	if m := o.max.Load(); m > h.max.Load() {
		h.max.Store(m)
	}
}

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 { return h.total.Load() }

// Min returns the smallest value recorded (0 when empty).
func (h *Histogram) Min() time.Duration {
	if h.Count() == 0 {
		return 0
	}
	return time.Duration(h.min.Load())
}

// Max returns the largest value recorded (0 when empty).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean returns the exact mean of the values recorded (0 when empty).
func (h *Histogram) Mean() time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// Percentile returns the value at percentile p (0 < p <= 100) by the
// nearest-rank method: the smallest recorded value v such that at least p%
// of the values are <= v, rounded up to its bucket's upper edge (so it is
// never reported lower than it was) and capped at Max. It returns 0 when
// the histogram is empty.
func (h *Histogram) Percentile(p float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(n)))
	rank = max(rank, 1)
	rank = min(rank, n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return min(time.Duration(histUpper(i)), h.Max())
		}
	}
	return h.Max()
}

// Summary returns the latency summary of what h recorded.
func (h *Histogram) Summary() *LatencySummary {
	if h.Count() == 0 {
		return nil
	}
	us := func(d time.Duration) float64 { return math.Round(float64(d)/1e2) / 10 }
	return &LatencySummary{
		Count:  h.Count(),
		MinUS:  us(h.Min()),
		MeanUS: us(h.Mean()),
		P50US:  us(h.Percentile(50)),
		P90US:  us(h.Percentile(90)),
		P99US:  us(h.Percentile(99)),
		P999US: us(h.Percentile(99.9)),
		MaxUS:  us(h.Max()),
	}
}

// LatencySummary is a latency distribution in microseconds (rounded to
// 0.1 µs). Percentiles are within 0.8% of the true value and never below it.
type LatencySummary struct {
	Count  uint64  `json:"count"`
	MinUS  float64 `json:"min_us"`
	MeanUS float64 `json:"mean_us"`
	P50US  float64 `json:"p50_us"`
	P90US  float64 `json:"p90_us"`
	P99US  float64 `json:"p99_us"`
	P999US float64 `json:"p99_9_us"`
	MaxUS  float64 `json:"max_us"`
}
