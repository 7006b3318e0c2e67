package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemoShowsAPageFireAndClear runs `make demo`'s script on a shortened
// schedule: 200 spans/s, 50% errors from 5s to 15s, watched for 55s. The
// collector has just started, so every window holds the demo's spans only;
// the page (burn above 14.4 over 1h and 5m) fires once the burst brings the
// error ratio above 14.4% (at 7s: 1 + 100(t-5) bad of 200t) and clears once
// the calm traffic since brings it back below (at 35s: 1001 bad of 200t).
// The script uses the quick start's fixed ports.
func TestDemoShowsAPageFireAndClear(t *testing.T) {
	dist := binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", "..", "scripts", "demo.sh"))
	cmd.Env = append(os.Environ(),
		"DIST="+dist,
		"DEMO_DURATION=55s",
		"DEMO_BURST=5s:10s:0.5",
		"DEMO_INTERVAL=2s",
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	text := string(out)
	assert.Contains(t, text, "demo-availability")
	assert.Contains(t, text, "FIRED   page/sev1 demo-availability")
	assert.Contains(t, text, "cleared page/sev1 demo-availability")
	fired := strings.Index(text, "FIRED   page/sev1")
	cleared := strings.Index(text, "cleared page/sev1")
	assert.Less(t, fired, cleared, "fires before it clears")
	assert.Contains(t, text, "accepted=11000 rejected=0 failed=0", "55s at 200 spans/s, all accepted")
}
