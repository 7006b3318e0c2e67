package openslo

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one conversion problem. Its text names the file and line, the
// document (kind and name), the OpenSLO field path and the reason:
//
//	slo.yaml:12: SLO "checkout": spec.budgetingMethod: "Timeslices" is not supported: ...
type Error struct {
	File string
	Line int
	// Document is the kind and name, e.g. `SLO "checkout"`.
	Document string
	// Path is the field path inside the document, e.g. spec.objectives[0].op;
	// empty for a problem with the document as a whole.
	Path   string
	Reason string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	for _, part := range []string{e.Document, e.Path} {
		if part != "" {
			b.WriteString(part + ": ")
		}
	}
	b.WriteString(e.Reason)
	return b.String()
}

// doc is one parsed OpenSLO document.
type doc struct {
	file string
	// number is the document's position in its file, from 1.
	number int
	root   *yaml.Node
	header document
}

// label names the document in messages: `SLO "checkout"`, or by position when
// it has no name.
func (d *doc) label() string {
	kind := d.header.Kind
	if kind == "" {
		kind = "document"
	}
	if d.header.Metadata.Name == "" {
		return fmt.Sprintf("%s #%d", kind, d.number)
	}
	return fmt.Sprintf("%s %q", kind, d.header.Metadata.Name)
}

// problem builds the Error for a field of d.
func (d *doc) problem(path, format string, args ...any) *Error {
	return &Error{
		File:     d.file,
		Line:     lineOf(d.root, path),
		Document: d.label(),
		Path:     path,
		Reason:   fmt.Sprintf(format, args...),
	}
}

// problems collects the errors of a conversion, each reported once: a
// document referenced by several SLOs is converted once, but the guard keeps
// a repeated check from repeating its message.
type problems struct {
	list []error
	seen map[string]bool
}

func (p *problems) add(err error) {
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	if p.seen[err.Error()] {
		return
	}
	p.seen[err.Error()] = true
	p.list = append(p.list, err)
}

// at reports a problem with a field of d.
func (p *problems) at(d *doc, path, format string, args ...any) {
	p.add(d.problem(path, format, args...))
}

// fields reports the problems of a strict decoding of d.
func (p *problems) fields(d *doc, list []fieldProblem) {
	for _, fp := range list {
		p.add(d.problem(fp.path, "%s", fp.msg))
	}
}

func (p *problems) err() error { return errors.Join(p.list...) }

func (p *problems) count() int { return len(p.list) }
