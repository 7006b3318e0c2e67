package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// encoder appends the checkpoint's primitive values; integers as varints, so
// that the many empty buckets take a byte each.
type encoder struct{ buf []byte }

func (e *encoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) int(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }
func (e *encoder) float(v float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
}
func (e *encoder) string(v string) { e.uint(uint64(len(v))); e.buf = append(e.buf, v...) }
func (e *encoder) bool(v bool)     { e.buf = append(e.buf, boolByte(v)) }
func (e *encoder) strings(v []string) {
	e.uint(uint64(len(v)))
	for _, s := range v {
		e.string(s)
	}
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

var errTruncated = errors.New("truncated")

// decoder reads what encoder wrote. The first error sticks and every later
// read returns zero values, so that decoding code reads straight through and
// checks once; lengths are bounded by the bytes left, so that a corrupt
// length cannot make it allocate without bound.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.buf) < 8 {
		d.fail(errTruncated)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf))
	d.buf = d.buf[8:]
	return v
}

// count reads a length that must fit in what is left, each element taking at
// least minSize bytes.
func (d *decoder) count(minSize int) int {
	n := d.uint()
	if d.err == nil && n > uint64(len(d.buf)/max(minSize, 1)) {
		d.fail(fmt.Errorf("length %d exceeds the %d bytes left", n, len(d.buf)))
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.count(1)
	if d.err != nil {
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.buf) < 1 {
		d.fail(errTruncated)
		return false
	}
	v := d.buf[0]
	d.buf = d.buf[1:]
	if v > 1 {
		d.fail(fmt.Errorf("invalid bool %d", v))
	}
	return v == 1
}

func (d *decoder) strings() []string {
	n := d.count(1)
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.string())
	}
	return out
}
