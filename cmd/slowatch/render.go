package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Render writes one compact table per series: SLI and burn rate per window,
// the budget left and the firing alert tiers. Values the scrape did not have
// print as "-" rather than 0, because an absent SLI means "no events in that
// window", not "all bad".
func Render(w io.Writer, series []*Series) error {
	if len(series) == 0 {
		_, err := fmt.Fprintln(w, "no SLO series yet (no eligible spans, or the first flush has not happened)")
		return err
	}
	for i, s := range series {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if err := renderSeries(w, s); err != nil {
			return err
		}
	}
	return nil
}

func renderSeries(w io.Writer, s *Series) error {
	title := s.Key()
	if s.Service != "" {
		title += "  service=" + s.Service
	}
	if s.Objective > 0 {
		title += "  target " + percent(s.Objective) + "%"
	}
	title += fmt.Sprintf("  events %.0f good, %.0f bad", s.Good, s.Bad)
	if _, err := fmt.Fprintln(w, title); err != nil {
		return err
	}

	windows := s.Windows()
	if len(windows) == 0 {
		if _, err := fmt.Fprintf(w, "  %-7s no events in any window\n", "window"); err != nil {
			return err
		}
	} else if err := renderWindows(w, s, windows); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "  %-7s %s\n", "budget", budget(s, windows)); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "  %-7s %s\n", "firing", firing(s.Alerts))
	return err
}

// renderWindows writes the window, SLI and burn rows. Values are right-aligned
// so that decimal points line up from one frame to the next and changes are
// easy to spot; the labels all have the same width, so the tabwriter pads
// only the value columns.
func renderWindows(w io.Writer, s *Series, windows []string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 0, ' ', tabwriter.AlignRight)
	row := func(label string, cell func(string) string) {
		fmt.Fprintf(tw, "  %-7s\t", label)
		for _, win := range windows {
			fmt.Fprintf(tw, "  %s\t", cell(win))
		}
		fmt.Fprintln(tw)
	}
	row("window", func(win string) string { return win })
	row("SLI", func(win string) string {
		v, ok := s.SLI[win]
		if !ok {
			return "-"
		}
		return fmt.Sprintf("%.2f%%", v*100)
	})
	row("burn", func(win string) string {
		v, ok := s.Burn[win]
		if !ok {
			return "-"
		}
		return fmt.Sprintf("%.2f", v)
	})
	return tw.Flush()
}

// percent prints a ratio as a percentage without float noise: 0.999 -> 99.9.
func percent(ratio float64) string {
	return strconv.FormatFloat(math.Round(ratio*1e8)/1e6, 'f', -1, 64)
}

func budget(s *Series, windows []string) string {
	if !s.HasRemaining {
		return "-"
	}
	left := fmt.Sprintf("%.1f%% left", s.Remaining*100)
	if s.Remaining <= 0 {
		return left + " (overspent)"
	}
	// The shortest window's exhaustion is the "at the current rate" answer.
	for _, win := range windows {
		if secs, ok := s.Exhaustion[win]; ok {
			return fmt.Sprintf("%s, gone in %s at the %s burn rate", left, human(secs), win)
		}
	}
	return left + ", not burning"
}

func firing(alerts []Alert) string {
	if len(alerts) == 0 {
		return "- (no alert tiers)"
	}
	var on []string
	for _, a := range alerts {
		if a.Firing {
			on = append(on, a.Tier())
		}
	}
	if len(on) == 0 {
		return "none"
	}
	return strings.Join(on, ", ")
}

// human rounds a number of seconds to one unit: 45s, 12m, 3.5h, 300.0d.
func human(secs float64) string {
	switch {
	case secs >= 86400:
		return fmt.Sprintf("%.1fd", secs/86400)
	case secs >= 3600:
		return fmt.Sprintf("%.1fh", secs/3600)
	case secs >= 60:
		return fmt.Sprintf("%.0fm", secs/60)
	default:
		return fmt.Sprintf("%.0fs", secs)
	}
}
