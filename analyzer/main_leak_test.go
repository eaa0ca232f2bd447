package analyzer

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine is left after the tests. The
// analyzer starts none itself; this keeps it so.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// bleve's package init (imported by the tests) starts the
		// analysis queue's workers, for the life of the process; nothing
		// stops them.
		goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"),
	)
}
