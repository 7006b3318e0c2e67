package openslo

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// Marshal writes the objectives as YAML, an `objectives:` key ready to paste
// under `connectors: slo:`. Keys come in the order of the configuration
// reference, and each objective is preceded by comments naming its SLO and
// what was not carried over.
func Marshal(objs []Objective) ([]byte, error) {
	list, err := objectivesNode(objs)
	if err != nil {
		return nil, err
	}
	return encode(mapping("objectives", list))
}

// MarshalConnector writes a whole `connectors: slo: objectives:` block.
func MarshalConnector(objs []Objective) ([]byte, error) {
	list, err := objectivesNode(objs)
	if err != nil {
		return nil, err
	}
	return encode(mapping("connectors", mapping("slo", mapping("objectives", list))))
}

func objectivesNode(objs []Objective) (*yaml.Node, error) {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for i := range objs {
		out, err := outputOf(&objs[i].Config)
		if err != nil {
			return nil, fmt.Errorf("objective %q: %w", objs[i].Config.Name, err)
		}
		var n yaml.Node
		if err := n.Encode(out); err != nil {
			return nil, fmt.Errorf("objective %q: %w", objs[i].Config.Name, err)
		}
		n.HeadComment = comment(&objs[i])
		list.Content = append(list.Content, &n)
	}
	return list, nil
}

func mapping(key string, value *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, value,
	}}
}

func encode(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// comment names the source and lists the notes by reason, then document:
//
//	SLO "checkout" (slos.yaml)
//	descriptive only, not carried over:
//	  SLO "checkout": metadata.displayName, metadata.labels
//	  AlertPolicy "page": spec.description
func comment(obj *Objective) string {
	lines := []string{obj.From}
	var whys []string
	docs := map[string][]string{}
	paths := map[[2]string][]string{}
	for _, n := range obj.Notes {
		if _, seen := docs[n.Why]; !seen {
			whys = append(whys, n.Why)
		}
		key := [2]string{n.Why, n.Document}
		if _, seen := paths[key]; !seen {
			docs[n.Why] = append(docs[n.Why], n.Document)
		}
		if !slices.Contains(paths[key], n.Path) {
			paths[key] = append(paths[key], n.Path)
		}
	}
	for _, why := range whys {
		lines = append(lines, why+":")
		for _, d := range docs[why] {
			lines = append(lines, "  "+d+": "+strings.Join(paths[[2]string{why, d}], ", "))
		}
	}
	return strings.Join(lines, "\n")
}

// The output types fix the key order; the field names are the connector's.
type outObjective struct {
	Name        string              `yaml:"name"`
	Description string              `yaml:"description,omitempty"`
	Service     string              `yaml:"service,omitempty"`
	Spans       *outSpans           `yaml:"spans,omitempty"`
	Indicator   outIndicator        `yaml:"indicator"`
	Target      float64             `yaml:"target"`
	Period      duration.Duration   `yaml:"period"`
	GroupBy     []string            `yaml:"group_by,omitempty,flow"`
	Attributes  map[string]string   `yaml:"attributes,omitempty"`
	Windows     []duration.Duration `yaml:"windows,omitempty,flow"`
	Alerts      any                 `yaml:"alerts,omitempty"`
}

type outSpans struct {
	Kind       string `yaml:"kind,omitempty"`
	Conditions []ottl `yaml:"conditions,omitempty"`
}

type outIndicator struct {
	Availability *struct{}   `yaml:"availability,omitempty,flow"`
	Latency      *outLatency `yaml:"latency,omitempty"`
	Good         []ottl      `yaml:"good,omitempty"`
	Bad          []ottl      `yaml:"bad,omitempty"`
}

type outLatency struct {
	Threshold duration.Duration `yaml:"threshold"`
}

type outTier struct {
	Name        string            `yaml:"name"`
	Severity    string            `yaml:"severity"`
	Escalation  string            `yaml:"escalation,omitempty"`
	LongWindow  duration.Duration `yaml:"long_window"`
	ShortWindow duration.Duration `yaml:"short_window"`
	BurnRate    float64           `yaml:"burn_rate,omitempty"`
	// BudgetConsumed is never produced by the converter, but Marshal writes
	// any objective.
	BudgetConsumed float64 `yaml:"budget_consumed,omitempty"`
	MinEvents      uint64  `yaml:"min_events,omitempty"`
}

// ottl is an OTTL condition, written single-quoted as in the configuration
// reference: conditions are full of double quotes and brackets.
type ottl string

func (s ottl) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.SingleQuotedStyle, Value: string(s)}, nil
}

func outputOf(o *sloconfig.Objective) (*outObjective, error) {
	out := &outObjective{
		Name:        o.Name,
		Description: o.Description,
		Service:     o.Service,
		Target:      o.Target,
		Period:      o.Period,
		GroupBy:     o.GroupBy,
		Attributes:  o.Attributes,
		Windows:     o.Windows,
	}
	if o.Spans.Kind != "" || len(o.Spans.Conditions) > 0 {
		out.Spans = &outSpans{Kind: o.Spans.Kind, Conditions: ottls(o.Spans.Conditions)}
	}
	if o.Indicator.Availability != nil {
		out.Indicator.Availability = &struct{}{}
	}
	if o.Indicator.Latency != nil {
		out.Indicator.Latency = &outLatency{Threshold: o.Indicator.Latency.Threshold}
	}
	out.Indicator.Good = ottls(o.Indicator.Good)
	out.Indicator.Bad = ottls(o.Indicator.Bad)

	switch alerts := o.Alerts.(type) {
	case nil:
	case string:
		out.Alerts = alerts
	case []any:
		// Tiers are held as the connector reads them, maps; decoding them the
		// way the connector does gives their typed values.
		tiers := make([]outTier, 0, len(alerts))
		for i, item := range alerts {
			fields, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("alerts[%d]: expected a tier, got %T", i, item)
			}
			var t sloconfig.AlertTier
			if err := confmap.NewFromStringMap(fields).Unmarshal(&t); err != nil {
				return nil, fmt.Errorf("alerts[%d]: %w", i, err)
			}
			tiers = append(tiers, outTier{
				Name: t.Name, Severity: t.Severity, Escalation: t.Escalation,
				LongWindow: t.LongWindow, ShortWindow: t.ShortWindow,
				BurnRate: t.BurnRate, BudgetConsumed: t.BudgetConsumed, MinEvents: t.MinEvents,
			})
		}
		out.Alerts = tiers
	default:
		return nil, fmt.Errorf("alerts: unexpected %T", o.Alerts)
	}
	return out, nil
}

func ottls(list []string) []ottl {
	if len(list) == 0 {
		return nil
	}
	out := make([]ottl, len(list))
	for i, s := range list {
		out[i] = ottl(s)
	}
	return out
}
