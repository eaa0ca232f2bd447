package index

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/govsearch/govsearch/analyzer"
)

// Segmentation is a measurement of raw jieba over a source tree.
type Segmentation struct {
	Files   int
	Bytes   int64
	Words   int64
	Elapsed time.Duration
}

// MBPerSecond is the throughput in megabytes (10⁶ bytes) a second.
func (s Segmentation) MBPerSecond() float64 {
	return float64(s.Bytes) / 1e6 / s.Elapsed.Seconds()
}

// MeasureSegmentation cuts every file under src with raw jieba (precise
// mode with the HMM: analyzer.Tokenizer.Cut) in workers goroutines (0: one
// per core), reading the files as Build does: the throughput indexing is
// compared with. Files Build would skip are skipped here too.
func MeasureSegmentation(ctx context.Context, src, userDict string, workers int) (Segmentation, error) {
	files, _, err := listSources(src, false)
	if err != nil {
		return Segmentation{}, err
	}
	t, err := analyzer.NewTokenizer(userDict)
	if err != nil {
		return Segmentation{}, err
	}
	t.Cut("预热") // load outside the timing
	var n, bytes, words atomic.Int64
	start := time.Now()
	eachFile(ctx, files, workers, func(f sourceFile) {
		data, ferr := readSource(f)
		if ferr != nil {
			return
		}
		words.Add(int64(len(t.Cut(string(data)))))
		bytes.Add(int64(len(data)))
		n.Add(1)
	})
	if err := ctx.Err(); err != nil {
		return Segmentation{}, fmt.Errorf("measure segmentation: %w", err)
	}
	return Segmentation{Files: int(n.Load()), Bytes: bytes.Load(), Words: words.Load(), Elapsed: time.Since(start)}, nil
}
