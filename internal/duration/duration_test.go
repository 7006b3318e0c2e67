package duration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"30d", 30 * 24 * time.Hour},
		{"4w", 28 * 24 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"1w2d12h", (9*24 + 12) * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"300ms", 300 * time.Millisecond},
		{"5m", 5 * time.Minute},
		{"-1d", -24 * time.Hour},
		{" 7d ", 7 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"":        `invalid duration "": empty`,
		"d":       `invalid duration "d": unit "d" without a number`,
		"30":      `invalid duration "30"`,
		"1x":      `invalid duration "1x"`,
		"abcd":    `invalid duration "abcd": unit "d" without a number`,
		"1..2d":   `invalid duration "1..2d"`,
		"100000w": `invalid duration "100000w": too long`,
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			_, err := Parse(in)
			require.EqualError(t, err, want)
		})
	}
}

func TestFormat(t *testing.T) {
	tests := map[time.Duration]string{
		5 * time.Minute:                   "5m",
		30 * time.Minute:                  "30m",
		time.Hour:                         "1h",
		6 * time.Hour:                     "6h",
		24 * time.Hour:                    "1d",
		72 * time.Hour:                    "3d",
		30 * 24 * time.Hour:               "30d",
		28 * 24 * time.Hour:               "28d",
		36 * time.Hour:                    "1d12h",
		90 * time.Minute:                  "1h30m",
		5 * time.Second:                   "5s",
		1500 * time.Millisecond:           "1s500ms",
		0:                                 "0s",
		-time.Hour:                        "-1h",
		24*time.Hour + 30*time.Second + 1: "1d30s1ns",
	}
	for in, want := range tests {
		assert.Equal(t, want, Format(in), "Format(%v)", time.Duration(in))
	}
}

func TestRoundTrip(t *testing.T) {
	for _, in := range []string{"5m", "1h30m", "28d", "1d12h", "1s500ms"} {
		var d Duration
		require.NoError(t, d.UnmarshalText([]byte(in)))
		out, err := d.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, in, string(out))
	}
}

// FuzzParse: any text parses to a duration or an error, never a panic, and
// what parses formats to text that parses back to the same duration.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"30d", "4w", "1h30m", "1.5d", "-1d", "1w2d12h", "d", "9999999999w", "1e9d", "0", ".d", "1d.5h"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := Parse(text)
		if err != nil {
			return
		}
		again, err := Parse(Format(d))
		if err != nil || again != d {
			t.Fatalf("Parse(%q) = %v, formatted %q, parsed back %v (%v)", text, d, Format(d), again, err)
		}
	})
}
