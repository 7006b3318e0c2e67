package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOnceScrapesAndPrints(t *testing.T) {
	fixture, err := os.ReadFile("testdata/scrape.txt")
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write(fixture)
	}))
	defer srv.Close()

	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-once", "-redraw=false", "-url", srv.URL}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	out := stdout.String()
	require.True(t, strings.HasPrefix(out, "--- "+srv.URL+"  +0:00  "), out)
	require.Contains(t, out, "  firing  page/sev1, page/sev2\n")
	require.Contains(t, out, ">> 0:00  FIRED   page/sev1 demo-availability\n")
}

func TestOnceFailsWhenTheScrapeFails(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-once", "-redraw=false", "-url", srv.URL}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stdout.String(), "scrape failed: "+srv.URL+": 404 Not Found")
}
