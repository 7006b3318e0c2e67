package main

import (
	"fmt"
	"time"
)

// changes remembers alert states between scrapes so that the watcher can say
// when a tier fired or cleared: a table only shows the present, and the
// moment a page starts or stops is what a demo is about.
type changes struct {
	firing map[string]bool
	log    []string
}

func newChanges() *changes { return &changes{firing: map[string]bool{}} }

// update compares a scrape with the previous one and returns the lines for
// the tiers that changed, stamped with elapsed. Tiers already firing on the
// first scrape are reported too, so nothing that fires goes unmentioned.
func (c *changes) update(elapsed time.Duration, series []*Series) []string {
	var lines []string
	for _, s := range series {
		for _, a := range s.Alerts {
			key := s.Key() + " " + a.Tier()
			was, seen := c.firing[key]
			c.firing[key] = a.Firing
			if a.Firing == was || (!seen && !a.Firing) {
				continue
			}
			verb := "FIRED  "
			if !a.Firing {
				verb = "cleared"
			}
			lines = append(lines, fmt.Sprintf("%s  %s %s %s", clock(elapsed), verb, a.Tier(), s.Key()))
		}
	}
	c.log = append(c.log, lines...)
	return lines
}

// recent returns the last n lines of the log.
func (c *changes) recent(n int) []string {
	if len(c.log) <= n {
		return c.log
	}
	return c.log[len(c.log)-n:]
}

// clock prints an elapsed time as m:ss, the way the demo's schedule is written.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
