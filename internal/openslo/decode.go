package openslo

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decodeStrict fills *out from n. Unlike yaml's own decoding, which names Go
// types and drops unknown keys (or, with KnownFields, stops at the first), it
// reports every unknown key, wrong shape and bad scalar under its OpenSLO
// field path, so that a typo reads "spec.budgetMethod: unknown field".
func decodeStrict(n *yaml.Node, path string, out any) []fieldProblem {
	var problems []fieldProblem
	decodeValue(n, path, reflect.ValueOf(out).Elem(), &problems)
	return problems
}

// fieldProblem is a problem at a field path inside one document.
type fieldProblem struct {
	path string
	msg  string
}

var nodeType = reflect.TypeFor[yaml.Node]()

func decodeValue(n *yaml.Node, path string, v reflect.Value, problems *[]fieldProblem) {
	fail := func(format string, args ...any) {
		*problems = append(*problems, fieldProblem{path: path, msg: fmt.Sprintf(format, args...)})
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v.Type() == nodeType {
		v.Set(reflect.ValueOf(*n))
		return
	}
	if isNull(n) {
		// An explicit null reads as absent, as it does in Kubernetes-style YAML.
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		decodeValue(n, path, elem.Elem(), problems)
		v.Set(elem)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			fail("expected a mapping, got %s", describe(n))
			return
		}
		names, index := yamlFields(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i].Value, n.Content[i+1]
			field, ok := index[key]
			if !ok {
				*problems = append(*problems, fieldProblem{
					path: join(path, key),
					msg:  "unknown field; expected one of " + strings.Join(names, ", "),
				})
				continue
			}
			decodeValue(value, join(path, key), v.Field(field), problems)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			fail("expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			decodeValue(item, fmt.Sprintf("%s[%d]", path, i), s.Index(i), problems)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			fail("expected a mapping, got %s", describe(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			elem := reflect.New(v.Type().Elem()).Elem()
			decodeValue(n.Content[i+1], join(path, key), elem, problems)
			m.SetMapIndex(reflect.ValueOf(key), elem)
		}
		v.Set(m)
	default:
		if n.Kind != yaml.ScalarNode {
			fail("expected %s, got %s", scalarName(v.Kind()), describe(n))
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			fail("expected %s, got %q", scalarName(v.Kind()), n.Value)
		}
	}
}

// yamlFields returns the YAML keys of a struct type in declaration order and
// the field index of each.
func yamlFields(t reflect.Type) ([]string, map[string]int) {
	names := make([]string, 0, t.NumField())
	index := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}

func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return strconv.Quote(n.Value)
	}
}

func scalarName(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return "an integer"
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// lineOf returns the line of the node at path ("spec.objectives[0].op") under
// root, or of its deepest existing ancestor, so that a problem about a missing
// field points at the mapping that lacks it.
func lineOf(root *yaml.Node, path string) int {
	n := root
	line := root.Line
	for _, segment := range splitPath(path) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		next, keyLine := child(n, segment)
		if next == nil {
			break
		}
		n, line = next, keyLine
	}
	return line
}

// child finds a key of a mapping ("spec") or an index of a sequence ("[2]"),
// with the line to report: the key's for a mapping entry.
func child(n *yaml.Node, segment string) (*yaml.Node, int) {
	if strings.HasPrefix(segment, "[") {
		i, err := strconv.Atoi(strings.Trim(segment, "[]"))
		if err != nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
			return nil, 0
		}
		return n.Content[i], n.Content[i].Line
	}
	if n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == segment {
			return n.Content[i+1], n.Content[i].Line
		}
	}
	return nil, 0
}

// splitPath turns "a.b[1].c" into "a", "b", "[1]", "c".
func splitPath(path string) []string {
	var out []string
	for _, part := range strings.Split(path, ".") {
		for part != "" {
			open := strings.IndexByte(part, '[')
			switch {
			case open < 0:
				out = append(out, part)
				part = ""
			case open > 0:
				out = append(out, part[:open])
				part = part[open:]
			default:
				end := strings.IndexByte(part, ']')
				if end < 0 {
					out = append(out, part)
					part = ""
					continue
				}
				out = append(out, part[:end+1])
				part = part[end+1:]
			}
		}
	}
	return out
}
