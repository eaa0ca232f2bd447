package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/govsearch/govsearch/index"
)

func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("index", "-src DIR -index DIR [flags]", stderr)
	src := fs.String("src", "", "folder of Markdown files to index (required)")
	dir := fs.String("index", "", "index folder to build (required)")
	userDict := fs.String("user-dict", "", "user dictionary: one word a line, optional frequency and part of speech")
	workers := fs.Int("workers", 0, "files read and parsed in parallel (0: one per core)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *src == "" || *dir == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: index needs -src and -index and no arguments", errUsage)
	}
	dict, err := loadUserDict(*userDict)
	if err != nil {
		return err
	}
	sum, err := buildIndex(ctx, index.BuildOptions{Source: *src, Index: *dir, UserDict: dict, Workers: *workers}, stderr)
	if err != nil {
		return err
	}
	printSummary(stdout, sum)
	if len(sum.Skipped) > 0 {
		return fmt.Errorf("%w: %d of %d files (listed above)", errSkipped, len(sum.Skipped), sum.Files)
	}
	return nil
}

// buildIndex runs index.Build with progress on stderr when it is a
// terminal.
func buildIndex(ctx context.Context, opts index.BuildOptions, stderr io.Writer) (*index.BuildSummary, error) {
	if isTerminal(stderr) {
		last := time.Time{}
		opts.Progress = func(done, total int) {
			if now := time.Now(); now.Sub(last) > 100*time.Millisecond || done == total {
				last = now
				fmt.Fprintf(stderr, "\rindexing: %d/%d files", done, total)
				if done == total {
					fmt.Fprintln(stderr)
				}
			}
		}
	}
	return index.Build(ctx, opts)
}

func printSummary(w io.Writer, s *index.BuildSummary) {
	mb := float64(s.Bytes) / 1e6
	fmt.Fprintf(w, "indexed %d documents, %d sections, %.1f MB in %s (%.2f MB/s, %.0f docs/s)\n",
		s.Documents, s.Sections, mb, s.Elapsed.Round(time.Millisecond), mb/s.Elapsed.Seconds(), float64(s.Documents)/s.Elapsed.Seconds())
	fmt.Fprintf(w, "index: %s (%.1f MB on disk)\n", s.Path, float64(s.IndexBytes)/1e6)
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "skipped %d of %d files:\n", len(s.Skipped), s.Files)
		for _, e := range s.Skipped {
			fmt.Fprintf(w, "  %v\n", e)
		}
	}
}

// isTerminal reports whether w is a character device, where progress
// lines that overwrite themselves make sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
