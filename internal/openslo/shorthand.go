package openslo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
)

// parseShorthand reads an OpenSLO duration shorthand: a whole number and a
// one-letter unit, "28d". Months, quarters and years (M, Q, Y) are rejected
// rather than guessed: OpenSLO leaves their length to the implementation, and
// a 30-day "1M" would silently differ from a calendar month.
func parseShorthand(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a duration shorthand: expected a whole number and one of m, h, d, w, e.g. 28d", s)
	}
	digits, unit := s[:len(s)-1], s[len(s)-1]
	var size time.Duration
	switch unit {
	case 'm':
		size = time.Minute
	case 'h':
		size = time.Hour
	case 'd':
		size = duration.Day
	case 'w':
		size = duration.Week
	case 'M', 'Q', 'Y':
		return 0, fmt.Errorf("%q: months, quarters and years have no fixed length; write the window in days or weeks, e.g. 30d", s)
	default:
		return 0, fmt.Errorf("%q is not a duration shorthand: expected a whole number and one of m, h, d, w, e.g. 28d", s)
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a duration shorthand: expected a whole number and one of m, h, d, w, e.g. 28d", s)
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(1<<63-1)/int64(size) {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return time.Duration(n) * size, nil
}
