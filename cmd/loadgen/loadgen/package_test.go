package loadgen

import (
	"testing"

	"go.uber.org/goleak"
)

// Run starts workers and gRPC connections: none may outlive it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
