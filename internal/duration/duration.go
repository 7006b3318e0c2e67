// Package duration parses and formats the durations used in otelcol-slo
// configuration: Go's syntax extended with days (d) and weeks (w), because SLO
// periods are written as 28d or 4w and time.ParseDuration stops at hours.
package duration // import "github.com/otelcol-slo/otelcol-slo/internal/duration"

import (
	"fmt"
	"strings"
	"time"
)

const (
	// Day is 24 hours; SLO arithmetic ignores daylight saving and leap seconds.
	Day  = 24 * time.Hour
	Week = 7 * Day
)

// Duration is a time.Duration that unmarshals from text such as "30d", "4w" or "1h30m".
type Duration time.Duration

// Std returns the value as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// UnmarshalText implements encoding.TextUnmarshaler, which confmap uses for
// string values.
func (d *Duration) UnmarshalText(text []byte) error {
	parsed, err := Parse(string(text))
	if err != nil {
		return err
	}
	*d = Duration(parsed)
	return nil
}

// MarshalText implements encoding.TextMarshaler with the shortest form.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(Format(time.Duration(d))), nil
}

// String returns the shortest form, as Format does.
func (d Duration) String() string { return Format(time.Duration(d)) }

// Parse accepts everything time.ParseDuration accepts, plus whole or fractional
// counts of days and weeks in any position: "30d", "4w", "1w2d12h", "1.5d".
func Parse(s string) (time.Duration, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return 0, fmt.Errorf("invalid duration %q: empty", s)
	}
	negative := false
	switch text[0] {
	case '-':
		negative = true
		text = text[1:]
	case '+':
		text = text[1:]
	}
	var total time.Duration
	for text != "" {
		end := strings.IndexAny(text, "dw")
		if end < 0 {
			rest, err := time.ParseDuration(text)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q", s)
			}
			total += rest
			break
		}
		head, unit := text[:end], text[end]
		// The Go-syntax part before a day or week count, e.g. "1h" in "1h2d", is
		// unusual but harmless: split the number off the end of head.
		numStart := len(head)
		for numStart > 0 && (isDigit(head[numStart-1]) || head[numStart-1] == '.') {
			numStart--
		}
		if numStart == len(head) {
			return 0, fmt.Errorf("invalid duration %q: unit %q without a number", s, string(unit))
		}
		if numStart > 0 {
			prefix, err := time.ParseDuration(head[:numStart])
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q", s)
			}
			total += prefix
		}
		count, err := time.ParseDuration(head[numStart:] + "h")
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		multiplier := time.Duration(24)
		if unit == 'w' {
			multiplier = 24 * 7
		}
		if count > 0 && count > time.Duration(1<<63-1)/multiplier {
			return 0, fmt.Errorf("invalid duration %q: too long", s)
		}
		total += count * multiplier
		text = text[end+1:]
	}
	if negative {
		total = -total
	}
	return total, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Format writes d in its shortest form with days as the largest unit: 5m, 1h,
// 1h30m, 1d, 3d, 28d, 1d12h. Weeks are never used so that 28d stays 28d.
func Format(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	units := []struct {
		size time.Duration
		name string
	}{{Day, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for _, u := range units {
		if d >= u.size {
			fmt.Fprintf(&b, "%d%s", d/u.size, u.name)
			d %= u.size
		}
	}
	if d > 0 {
		b.WriteString(d.String())
	}
	return b.String()
}
