package sloruntime

import (
	"testing"

	"go.uber.org/goleak"
)

// The runtime starts the components' loop goroutine: none may outlive
// Shutdown.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
