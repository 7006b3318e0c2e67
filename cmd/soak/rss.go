package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memSample is one reading of /proc/<pid>/status, in bytes.
type memSample struct {
	at       time.Duration
	rss, hwm int64
}

// readStatus reads VmRSS (resident now) and VmHWM (the kernel's resident
// peak, which sees spikes between our one-second samples).
func readStatus(r io.Reader) (rss, hwm int64, err error) {
	sc := bufio.NewScanner(r)
	found := 0
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, 0, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kb * 1024
		} else {
			hwm = kb * 1024
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("VmRSS or VmHWM missing")
	}
	return rss, hwm, nil
}

// sampler reads a process's memory every second until stopped.
type sampler struct {
	mu      sync.Mutex
	samples []memSample
	lastErr error
	done    chan struct{}
	wg      sync.WaitGroup
}

func startSampler(pid int, start time.Time) *sampler {
	s := &sampler{done: make(chan struct{})}
	path := fmt.Sprintf("/proc/%d/status", pid)
	sample := func() {
		f, err := os.Open(path)
		if err != nil {
			s.note(memSample{}, err)
			return
		}
		rss, hwm, err := readStatus(f)
		f.Close()
		s.note(memSample{at: time.Since(start), rss: rss, hwm: hwm}, err)
	}
	s.wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		sample()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return s
}

func (s *sampler) note(m memSample, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.lastErr = err
		return
	}
	s.samples = append(s.samples, m)
}

// stop ends the sampling and waits for a sample in progress.
func (s *sampler) stop() {
	close(s.done)
	s.wg.Wait()
}

// memory summarises the samples: first, peak and last VmRSS, the final
// VmHWM, and VmRSS halfway through the load, so that growth over the second
// half of a steady load (a leak) stands out from warm-up.
type memory struct {
	samples                 int
	start, peak, last, half int64
	hwm                     int64
	err                     error
}

func (s *sampler) summary(halfway time.Duration) memory {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := memory{samples: len(s.samples), err: s.lastErr}
	if len(s.samples) == 0 {
		return m
	}
	m.start, m.last = s.samples[0].rss, s.samples[len(s.samples)-1].rss
	m.half = m.last
	for i := len(s.samples) - 1; i >= 0 && s.samples[i].at >= halfway; i-- {
		m.half = s.samples[i].rss
	}
	for _, x := range s.samples {
		m.peak = max(m.peak, x.rss)
		m.hwm = max(m.hwm, x.hwm)
	}
	return m
}

// current is the latest VmRSS, for progress lines.
func (s *sampler) current() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) == 0 {
		return 0
	}
	return s.samples[len(s.samples)-1].rss
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
