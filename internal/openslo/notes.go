package openslo

import (
	"maps"
	"slices"
	"strings"
)

// Note is something the converter read but did not carry over, or read
// approximately, and why. Notes are printed as comments above each objective
// so that nothing is dropped unseen; anything that would change what is
// counted or when an alert fires is an error instead.
type Note struct {
	// Document is the kind and name, e.g. `SLO "checkout"`.
	Document string
	// Path is the field, e.g. metadata.displayName.
	Path string
	Why  string
}

const (
	whyDescriptive = "descriptive only, not carried over"
	whyResolved    = "not carried over, notifying on resolution is the alert router's choice (slo.alert returns to 0 either way)"
	whyGTE         = "read as gt, a tier fires above the threshold (they differ only at exactly the threshold)"
	whyLT          = "read as lte, a span lasting at most the threshold is good (they differ only at exactly the threshold)"
)

// annotationPrefix marks the annotations the converter reads; OpenSLO
// reserves annotations for implementation-specific settings.
const annotationPrefix = "otelcol-slo/"

const (
	annotationAlerts      = annotationPrefix + "alerts"
	annotationShortWindow = annotationPrefix + "short-window"
	annotationMinEvents   = annotationPrefix + "min-events"
)

func note(d *doc, path, why string) Note {
	return Note{Document: d.label(), Path: path, Why: why}
}

// metadataNotes notes the descriptive metadata of an object at prefix in d
// ("metadata" for the document itself) and checks that its otelcol-slo/
// annotations are among the ones this kind accepts: a misspelt one must not
// be dropped as if it were another tool's.
func metadataNotes(d *doc, prefix string, m *metadata, p *problems, accepted ...string) []Note {
	var notes []Note
	if m.DisplayName != "" {
		notes = append(notes, note(d, join(prefix, "displayName"), whyDescriptive))
	}
	if !isNull(&m.Labels) {
		notes = append(notes, note(d, join(prefix, "labels"), whyDescriptive))
	}
	for _, key := range slices.Sorted(maps.Keys(m.Annotations)) {
		switch {
		case slices.Contains(accepted, key):
		case strings.HasPrefix(key, annotationPrefix):
			expected := "none on this kind"
			if len(accepted) > 0 {
				expected = "one of " + strings.Join(accepted, ", ")
			}
			p.at(d, join(prefix, "annotations"), "unknown annotation %q, expected %s", key, expected)
		default:
			notes = append(notes, note(d, join(prefix, "annotations")+"["+key+"]", whyDescriptive))
		}
	}
	return notes
}
