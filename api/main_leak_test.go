package api

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine is left after the tests: a
// handler, a rate limiter's janitor or a test server not stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// bleve's package init (imported through index) starts the
		// analysis queue's workers, for the life of the process; nothing
		// stops them.
		goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"),
	)
}
