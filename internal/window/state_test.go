package window

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExportImportRoundTrip(t *testing.T) {
	l := defaultLayout(t)
	now := base + 10*24*60*minute
	r := l.NewRings(now)
	l.Add(&r, now, now-4*minute, 3, 1)
	l.Add(&r, now, now-5*60*minute, 7, 0)
	l.Add(&r, now, now-20*24*60*minute, 11, 2)

	restored := l.NewRings(now)
	for i := range l.Windows() {
		require.NoError(t, l.ImportRing(&restored, i, l.ExportRing(&r, i)))
	}
	assert.Equal(t, sums(l, &r, now), sums(l, &restored, now))

	// An hour later the restored rings age exactly like the original ones.
	later := now + 60*minute
	assert.Equal(t, sums(l, &r, later), sums(l, &restored, later))
	assert.Equal(t, Counts{}, sums(l, &restored, later)[0])
	assert.Equal(t, Counts{Good: 21, Bad: 3}, sums(l, &restored, later)[7])
}

func TestImportRingOutOfRange(t *testing.T) {
	l, err := NewLayout([]time.Duration{time.Hour})
	require.NoError(t, err)
	r := l.NewRings(base)
	require.EqualError(t, l.ImportRing(&r, 1, RingState{}), "window index 1 out of range")
}
