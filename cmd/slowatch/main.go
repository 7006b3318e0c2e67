// Command slowatch scrapes the SLO metrics of an otelcol-slo collector's
// Prometheus exporter and prints, every few seconds, a compact table per
// objective: SLI and burn rate per window, budget left, firing alert tiers,
// and a line whenever a tier fires or clears. `make demo` runs it.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// How many alert changes a redrawn screen keeps under the tables.
const recentChanges = 8

type options struct {
	url      string
	interval time.Duration
	duration time.Duration
	once     bool
	redraw   bool
	header   string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "slowatch: %v\n", err)
		return 2
	}
	var header []byte
	if opts.header != "" {
		if header, err = os.ReadFile(opts.header); err != nil {
			fmt.Fprintf(stderr, "slowatch: %v\n", err)
			return 2
		}
	}
	if opts.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.duration)
		defer cancel()
	}

	w := &watcher{opts: opts, client: &http.Client{Timeout: opts.interval}, changes: newChanges(), start: time.Now()}
	if !opts.redraw {
		// Appended frames would repeat the header every few lines.
		stdout.Write(header)
	}
	ticker := time.NewTicker(opts.interval)
	defer ticker.Stop()
	for {
		var frame bytes.Buffer
		scrapeErr := w.frame(ctx, &frame)
		if scrapeErr != nil && ctx.Err() != nil {
			// Stopped mid-scrape: the failure is ours, not the collector's.
			return 0
		}
		if opts.redraw {
			// Home and clear, then the whole screen again: simpler and more
			// robust than moving the cursor over a table that changes size.
			io.WriteString(stdout, "\033[H\033[2J")
			stdout.Write(header)
		}
		stdout.Write(frame.Bytes())
		if opts.once {
			if scrapeErr != nil {
				return 1
			}
			return 0
		}
		select {
		case <-ctx.Done():
			return 0
		case <-ticker.C:
		}
	}
}

func parseFlags(args []string, output io.Writer) (options, error) {
	fs := flag.NewFlagSet("slowatch", flag.ContinueOnError)
	fs.SetOutput(output)
	var o options
	fs.StringVar(&o.url, "url", "http://localhost:8889/metrics", "Prometheus exporter endpoint carrying the slo_* metrics")
	fs.DurationVar(&o.interval, "interval", 5*time.Second, "time between scrapes")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long; 0 runs until interrupted")
	fs.BoolVar(&o.once, "once", false, "scrape and print once, exit 1 when the scrape fails")
	fs.BoolVar(&o.redraw, "redraw", isTerminal(os.Stdout), "clear the screen before each frame (default when stdout is a terminal)")
	fs.StringVar(&o.header, "header", "", "file whose text is printed above the tables")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.interval <= 0 {
		return o, fmt.Errorf("-interval must be positive, got %s", o.interval)
	}
	return o, nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

type watcher struct {
	opts    options
	client  *http.Client
	changes *changes
	start   time.Time
}

// frame scrapes once and writes the title, the tables and the alert changes.
func (w *watcher) frame(ctx context.Context, out io.Writer) error {
	elapsed := time.Since(w.start)
	fmt.Fprintf(out, "--- %s  +%s  %s\n", w.opts.url, clock(elapsed), time.Now().Format("15:04:05"))
	series, err := w.scrape(ctx)
	if err != nil {
		fmt.Fprintf(out, "scrape failed: %v\n\n", err)
		return err
	}
	lines := w.changes.update(elapsed, series)
	if err := Render(out, series); err != nil {
		return err
	}
	if w.opts.redraw {
		if recent := w.changes.recent(recentChanges); len(recent) > 0 {
			fmt.Fprintln(out, "\nalert changes:")
			for _, l := range recent {
				fmt.Fprintln(out, "  "+l)
			}
		}
	} else {
		for _, l := range lines {
			fmt.Fprintln(out, ">> "+l)
		}
	}
	fmt.Fprintln(out)
	return nil
}

func (w *watcher) scrape(ctx context.Context) ([]*Series, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.opts.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", w.opts.url, resp.Status)
	}
	return Parse(resp.Body)
}
