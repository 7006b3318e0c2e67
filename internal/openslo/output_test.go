package openslo

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

func fullSet(t *testing.T) []Source {
	t.Helper()
	var paths []string
	for _, name := range []string{"services.yaml", "slis.yaml", "alerting.yaml", "slos.yaml"} {
		paths = append(paths, filepath.Join("testdata", "full", name))
	}
	return load(t, paths...)
}

// TestGolden compares the output for a full document set with
// testdata/full/expected.yaml, which was checked by hand against the sources.
func TestGolden(t *testing.T) {
	objs, err := Convert(fullSet(t)...)
	require.NoError(t, err)
	got, err := Marshal(objs)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join("testdata", "full", "expected.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

// TestOutputLoads reads every printed output back as the collector does,
// YAML into a confmap into the connector's Config, and checks it: the output
// must load and mean exactly what was converted.
func TestOutputLoads(t *testing.T) {
	inputs := map[string][]Source{"full": fullSet(t)}
	for _, tc := range mappingCases {
		inputs[tc.file] = load(t, filepath.Join("testdata", "mapping", tc.file))
	}
	for name, sources := range inputs {
		t.Run(name, func(t *testing.T) {
			objs, err := Convert(sources...)
			require.NoError(t, err)

			out, err := Marshal(objs)
			require.NoError(t, err)
			assert.Equal(t, normalize(t, Configs(objs)), normalize(t, loadPrinted(t, out, nil)))

			block, err := MarshalConnector(objs)
			require.NoError(t, err)
			assert.Equal(t, normalize(t, Configs(objs)), normalize(t, loadPrinted(t, block, []string{"connectors", "slo"})))
		})
	}
}

// loadPrinted unmarshals printed YAML, descends into keys, and loads the result
// into the connector's configuration with its defaults, checking it.
func loadPrinted(t *testing.T, out []byte, keys []string) []sloconfig.Objective {
	t.Helper()
	var raw map[string]any
	require.NoError(t, yaml.Unmarshal(out, &raw))
	for _, key := range keys {
		require.Len(t, raw, 1)
		next, ok := raw[key].(map[string]any)
		require.True(t, ok, "key %q", key)
		raw = next
	}
	cfg := sloconfig.Default()
	require.NoError(t, confmap.NewFromStringMap(raw).Unmarshal(&cfg))
	require.NoError(t, cfg.Check())
	return cfg.Objectives
}

// normalize decodes alert tiers into their typed form: YAML reads a burn
// rate of 6 back as an int, which the connector accepts as 6.0.
func normalize(t *testing.T, objs []sloconfig.Objective) []sloconfig.Objective {
	t.Helper()
	out := make([]sloconfig.Objective, len(objs))
	for i, o := range objs {
		if list, ok := o.Alerts.([]any); ok {
			tiers := make([]sloconfig.AlertTier, len(list))
			for j, item := range list {
				require.NoError(t, confmap.NewFromStringMap(item.(map[string]any)).Unmarshal(&tiers[j]))
			}
			o.Alerts = tiers
		}
		out[i] = o
	}
	return out
}

func TestMarshalConnectorShape(t *testing.T) {
	objs, err := Convert(load(t, filepath.Join("testdata", "mapping", "bad.yaml"))...)
	require.NoError(t, err)
	got, err := MarshalConnector(objs)
	require.NoError(t, err)
	assert.Equal(t, `connectors:
  slo:
    objectives:
      # SLO "payments-errors" (testdata/mapping/bad.yaml)
      - name: payments-errors
        service: payments
        spans:
          kind: consumer
        indicator:
          bad:
            - 'status.code == STATUS_CODE_ERROR'
        target: 99.95
        period: 30d
        alerts: none
`, string(got))
}
