package main

import (
	"bytes"
	"fmt"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// histogram is a lock-free log-linear latency histogram in microseconds:
// 32 sub-buckets per power of two, so a reported percentile is within ~3%.
type histogram struct {
	counts [64 * subBuckets]atomic.Uint64
	n      atomic.Uint64
	max    atomic.Uint64
}

const subBits = 5
const subBuckets = 1 << subBits

func bucketOf(us uint64) int {
	if us < subBuckets {
		return int(us)
	}
	exp := bits.Len64(us) - subBits // >= 1
	sub := (us >> uint(exp-1)) & (subBuckets - 1)
	return exp*subBuckets + int(sub)
}

// bucketUpper is the largest value that falls into bucket i.
func bucketUpper(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	exp := i / subBuckets
	sub := uint64(i % subBuckets)
	lo := (subBuckets | sub) << uint(exp-1)
	return lo + (1 << uint(exp-1)) - 1
}

func (h *histogram) record(d time.Duration) {
	us := uint64(d / time.Microsecond)
	if d < 0 {
		us = 0
	}
	h.counts[bucketOf(us)].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			break
		}
	}
}

// quantile returns the q-quantile (0..1) in milliseconds.
func (h *histogram) quantile(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	want := uint64(q*float64(n) + 0.5)
	if want < 1 {
		want = 1
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= want {
			return float64(bucketUpper(i)) / 1000
		}
	}
	return float64(h.max.Load()) / 1000
}

// procStat is what /proc tells about the server process.
type procStat struct {
	cpu    time.Duration // utime+stime
	rssKiB int64
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports.
const clockTick = 100

func readProc(pid int) (procStat, error) {
	var st procStat
	if pid <= 0 {
		return st, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return st, fmt.Errorf("load: malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return st, fmt.Errorf("load: short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	stt, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return st, fmt.Errorf("load: bad cpu fields in /proc/%d/stat", pid)
	}
	st.cpu = time.Duration(ut+stt) * time.Second / clockTick
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	for _, line := range strings.Split(string(s), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fs := strings.Fields(rest)
			if len(fs) > 0 {
				st.rssKiB, _ = strconv.ParseInt(fs[0], 10, 64)
			}
		}
	}
	return st, nil
}

// rssSampler samples the server's RSS periodically until stopped.
type rssSampler struct {
	pid     int
	every   time.Duration
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
	peak    int64
	samples [][2]int64 // [ms since start, KiB]
}

func startRSS(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, every: every, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *rssSampler) loop() {
	defer close(s.done)
	t := time.NewTicker(s.every)
	defer t.Stop()
	const maxSamples = 2400
	for {
		if st, err := readProc(s.pid); err == nil && s.pid > 0 {
			s.peak = max(s.peak, st.rssKiB)
			if len(s.samples) < maxSamples {
				s.samples = append(s.samples, [2]int64{time.Since(s.start).Milliseconds(), st.rssKiB})
			}
		}
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// finish stops sampling and returns the peak and the samples.
func (s *rssSampler) finish() (int64, [][2]int64) {
	close(s.stop)
	<-s.done
	return s.peak, s.samples
}
