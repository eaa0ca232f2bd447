package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine is left after the tests: a
// server not shut down, an index not closed, a rebuild or Watch still
// running, a load run's connections kept alive.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// bleve's package init starts the analysis queue's workers, for
		// the life of the process; nothing stops them.
		goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"),
	)
}
