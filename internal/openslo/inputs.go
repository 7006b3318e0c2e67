package openslo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

const apiVersionV1 = "openslo/v1"

// The OpenSLO v1 kinds. Service needs no conversion: an SLO names its service
// in spec.service, which is what the connector matches. DataSource and
// AlertNotificationTarget matter only through the references to them.
const (
	kindSLO                     = "SLO"
	kindSLI                     = "SLI"
	kindAlertPolicy             = "AlertPolicy"
	kindAlertCondition          = "AlertCondition"
	kindAlertNotificationTarget = "AlertNotificationTarget"
	kindDataSource              = "DataSource"
	kindService                 = "Service"
)

var kinds = []string{kindSLO, kindSLI, kindAlertPolicy, kindAlertCondition, kindAlertNotificationTarget, kindDataSource, kindService}

// Source is one OpenSLO input, a stream of one or more YAML documents. Name,
// usually the file path, names it in errors.
type Source struct {
	Name string
	Data []byte
}

type kindName struct{ kind, name string }

// inputs are the well-formed documents of all sources, in input order.
type inputs struct {
	docs   []*doc
	byName map[kindName]*doc
}

func (in *inputs) lookup(kind, name string) *doc { return in.byName[kindName{kind, name}] }

// parse splits the sources into documents and checks their envelopes: API
// version, kind, name, and that no two documents of a kind share a name,
// since references are by name.
func parse(sources []Source, p *problems) *inputs {
	in := &inputs{byName: map[kindName]*doc{}}
	for _, src := range sources {
		dec := yaml.NewDecoder(bytes.NewReader(src.Data))
		for number := 1; ; number++ {
			var root yaml.Node
			err := dec.Decode(&root)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				// The decoder cannot resynchronise after a syntax error.
				p.add(&Error{File: src.Name, Reason: fmt.Sprintf("document #%d is not valid YAML: %v", number, err)})
				break
			}
			if len(root.Content) == 0 || isNull(root.Content[0]) {
				continue // an empty document, e.g. after a trailing "---"
			}
			d := &doc{file: src.Name, number: number, root: root.Content[0]}
			if envelope(d, p) {
				key := kindName{d.header.Kind, d.header.Metadata.Name}
				if first, dup := in.byName[key]; dup {
					p.at(d, "metadata.name", "duplicate: %s is also defined in %s:%d; references are by name, so names must be unique per kind",
						d.label(), first.file, first.root.Line)
					continue
				}
				in.byName[key] = d
				in.docs = append(in.docs, d)
			}
		}
	}
	return in
}

// envelope decodes and checks the fields every document has; it reports false
// when the document cannot be converted.
func envelope(d *doc, p *problems) bool {
	fields := decodeStrict(d.root, "", &d.header)
	p.fields(d, fields)
	ok := len(fields) == 0
	h := &d.header
	switch {
	case h.APIVersion == "":
		p.at(d, "apiVersion", "required: %s", apiVersionV1)
		ok = false
	case h.APIVersion != apiVersionV1:
		p.at(d, "apiVersion", "%q is not supported, expected %s", h.APIVersion, apiVersionV1)
		ok = false
	}
	switch {
	case h.Kind == "":
		p.at(d, "kind", "required: one of %s", strings.Join(kinds, ", "))
		ok = false
	case !slices.Contains(kinds, h.Kind):
		p.at(d, "kind", "unknown kind %q, expected one of %s", h.Kind, strings.Join(kinds, ", "))
		ok = false
	}
	if h.Metadata.Name == "" {
		p.at(d, "metadata.name", "required")
		ok = false
	}
	return ok
}
