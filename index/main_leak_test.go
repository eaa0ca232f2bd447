package index

import (
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// TestMain closes the indexes the tests share and then fails the run if
// any goroutine is left: an index not closed (scorch's introducer,
// persister and merger), a build or rebuild still running, a Watch not
// stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(runThenClose{m}, leakOptions...)
}

// leakOptions name the goroutines that outlive every test by design.
var leakOptions = []goleak.Option{
	// bleve's package init starts the analysis queue's workers, for the
	// life of the process; nothing stops them.
	goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"),
}

// runThenClose runs the tests, then closes and removes the shared
// indexes, before goleak looks for goroutines left.
type runThenClose struct{ m *testing.M }

func (r runThenClose) Run() int {
	code := r.m.Run()
	if ix, err := sampleIndex(); err == nil && ix != nil {
		ix.Close()
		os.RemoveAll(filepath.Dir(ix.Path()))
	}
	if benchDir != "" {
		if ix, err := benchIndex(); err == nil {
			ix.Close()
		}
		os.RemoveAll(benchDir)
	}
	return code
}
