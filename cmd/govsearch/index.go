package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/govsearch/govsearch/index"
)

func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("index", "-src DIR -index DIR [flags] | -status -index DIR", stderr)
	src := fs.String("src", "", "folder of Markdown files to index (required)")
	dir := fs.String("index", "", "index folder to build (required)")
	userDict := fs.String("user-dict", "", "user dictionary: one word a line, optional frequency and part of speech")
	synonyms := fs.String("synonyms", "", "synonyms file to record with the index (servers without -synonyms use it): one group a line, forms separated by commas")
	incremental := fs.Bool("incremental", false, "re-read only files whose content changed since the index was built, add new ones, delete the documents of removed ones")
	status := fs.Bool("status", false, "print what the index folder holds and was built from, the writes pending in its journal, and whether a build is running, then exit")
	compare := fs.Bool("compare-jieba", false, "after building, cut the same files with raw jieba on as many workers and print both throughputs")
	workers := fs.Int("workers", 0, "files read and parsed in parallel (0: one per core)")
	linksOutside := fs.Bool("links-outside", false, "index the files that symbolic links under -src point to outside it (skipped by default)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *status {
		if *dir == "" || fs.NArg() > 0 {
			fs.Usage()
			return fmt.Errorf("%w: index -status needs -index and no arguments", errUsage)
		}
		st, err := index.Status(*dir)
		if err != nil {
			return err
		}
		printStatus(stdout, *dir, st)
		return nil
	}
	if *src == "" || *dir == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: index needs -src and -index and no arguments", errUsage)
	}
	dict, err := loadUserDict(*userDict)
	if err != nil {
		return err
	}
	synText := ""
	if *synonyms != "" {
		// Checked here, so that a bad file is reported before any
		// indexing; Build records the text.
		b, err := os.ReadFile(*synonyms)
		if err != nil {
			return fmt.Errorf("synonyms: %w", err)
		}
		if _, err := index.ParseSynonyms(*synonyms, bytes.NewReader(b), index.DefaultSynonyms()); err != nil {
			return err
		}
		synText = string(b)
	}
	opts := index.BuildOptions{Source: *src, Index: *dir, UserDict: dict, UserDictFile: absOr(*userDict),
		Synonyms: synText, SynonymsFile: absOr(*synonyms), Incremental: *incremental, Workers: *workers, LinksOutside: *linksOutside}
	sum, err := buildIndex(ctx, opts, stderr)
	if err != nil {
		return err
	}
	printSummary(stdout, sum)
	if *compare {
		seg, err := index.MeasureSegmentation(ctx, *src, dict, *workers)
		if err != nil {
			return err
		}
		build := float64(sum.Bytes) / 1e6 / sum.Elapsed.Seconds()
		fmt.Fprintf(stdout, "raw jieba: %d files, %.1f MB in %s (%.2f MB/s, %.0f docs/s) on %d workers\n",
			seg.Files, float64(seg.Bytes)/1e6, seg.Elapsed.Round(time.Millisecond), seg.MBPerSecond(),
			float64(seg.Files)/seg.Elapsed.Seconds(), cmp.Or(*workers, runtime.NumCPU()))
		fmt.Fprintf(stdout, "indexing throughput / raw jieba throughput: %.2f\n", build/seg.MBPerSecond())
	}
	if len(sum.Skipped) > 0 {
		return fmt.Errorf("%w: %d of %d files (listed above)", errSkipped, len(sum.Skipped), sum.Files)
	}
	return nil
}

// absOr makes a flag's file name absolute for the records ("" stays).
func absOr(path string) string {
	if path == "" {
		return ""
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
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
	for _, name := range s.Stale {
		fmt.Fprintf(w, "removed %s, left by an interrupted build\n", name)
	}
	if c := s.Changes; c != nil {
		fmt.Fprintf(w, "incremental: %d added, %d changed, %d removed, %d unchanged\n", len(c.Added), len(c.Changed), len(c.Removed), c.Unchanged)
		for _, l := range []struct {
			sign string
			ids  []string
		}{{"+", c.Added}, {"~", c.Changed}, {"-", c.Removed}} {
			for i, id := range l.ids {
				if i == 20 {
					fmt.Fprintf(w, "  %s … and %d more\n", l.sign, len(l.ids)-i)
					break
				}
				fmt.Fprintf(w, "  %s %s\n", l.sign, id)
			}
		}
		if s.Kept {
			printWrites(w, s)
			fmt.Fprintf(w, "nothing changed: still serving %s\n", s.Path)
			printSkipped(w, s)
			return
		}
	}
	printWrites(w, s)
	mb := float64(s.Bytes) / 1e6
	fmt.Fprintf(w, "indexed %d documents, %d sections, %.1f MB in %s (%.2f MB/s, %.0f docs/s)\n",
		s.Documents, s.Sections, mb, s.Elapsed.Round(time.Millisecond), mb/s.Elapsed.Seconds(), float64(s.Documents)/s.Elapsed.Seconds())
	fmt.Fprintf(w, "index: %s (%.1f MB on disk)\n", s.Path, float64(s.IndexBytes)/1e6)
	if s.PeakRSS > 0 {
		fmt.Fprintf(w, "peak memory (RSS): %.0f MB\n", float64(s.PeakRSS)/(1<<20))
	}
	printSkipped(w, s)
}

// listedWrites bounds the writes a summary or a status lists one by one.
const listedWrites = 20

// printWrites says which documents come from the write journal rather
// than from the source tree, and which entries the source tree overtook.
func printWrites(w io.Writer, s *index.BuildSummary) {
	if len(s.Writes) > 0 {
		fmt.Fprintf(w, "write journal: %d writes applied over the source tree:\n", len(s.Writes))
		listWrites(w, s.Writes)
	}
	if len(s.Retired) > 0 {
		fmt.Fprintf(w, "write journal: %d writes retired, the source tree has the last word:\n", len(s.Retired))
		for i, r := range s.Retired {
			if i == listedWrites {
				fmt.Fprintf(w, "  … and %d more\n", len(s.Retired)-i)
				break
			}
			fmt.Fprintf(w, "  %s %s: %s\n", r.Kind, r.DocID, r.Reason)
		}
	}
}

// listWrites prints the first listedWrites writes, one a line.
func listWrites(w io.Writer, ws []index.Write) {
	for i, wr := range ws {
		if i == listedWrites {
			fmt.Fprintf(w, "  … and %d more\n", len(ws)-i)
			break
		}
		fmt.Fprintf(w, "  %s %s (%s)\n", wr.Kind, wr.DocID, wr.Written.Format(time.RFC3339))
	}
}

func printSkipped(w io.Writer, s *index.BuildSummary) {
	if len(s.Transcoded) > 0 {
		fmt.Fprintf(w, "read %d files not in UTF-8 (converting the archive's copies would spare this):\n", len(s.Transcoded))
		for _, tc := range s.Transcoded {
			fmt.Fprintf(w, "  %s (%s)\n", tc.Path, tc.From)
		}
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "skipped %d of %d files:\n", len(s.Skipped), s.Files)
		for _, e := range s.Skipped {
			fmt.Fprintf(w, "  %v\n", e)
		}
	}
}

// printStatus prints what index -status reports.
func printStatus(w io.Writer, dir string, st *index.FolderStatus) {
	fmt.Fprintf(w, "index folder: %s\n", dir)
	if st.Building {
		fmt.Fprintf(w, "build running: %s\n", st.BuildingBy)
	} else {
		fmt.Fprintln(w, "build running: no")
	}
	if st.Damaged != "" {
		fmt.Fprintf(w, "serving: nothing: %s\n", st.Damaged)
	} else if st.Current == "" {
		fmt.Fprintln(w, "serving: nothing (build an index with govsearch index -src DIR -index DIR)")
	} else {
		fmt.Fprintf(w, "serving: %s (%.1f MB on disk)\n", st.Current, float64(st.Bytes)/1e6)
	}
	if m := st.Manifest; m != nil {
		fmt.Fprintf(w, "built: %s, %s build, from %s\n", m.BuiltAt.Format(time.RFC3339), m.Kind, m.Source)
		fmt.Fprintf(w, "documents: %d, sections: %d\n", st.Documents, st.Sections)
		fmt.Fprintf(w, "format: %d, variant: %s\n", m.FormatVersion, m.Variant)
		fmt.Fprintf(w, "dictionary: %s (user dictionary: %s)\n", m.Dictionary, cmp.Or(m.UserDict, "none"))
		fmt.Fprintf(w, "synonyms: %s (%s)\n", m.Synonyms, cmp.Or(m.SynonymsFile, "built-in groups"))
		if c := m.Changes; c != nil {
			fmt.Fprintf(w, "last changes: %d added, %d changed, %d removed, %d unchanged\n", len(c.Added), len(c.Changed), len(c.Removed), c.Unchanged)
		}
		if len(m.Writes) > 0 {
			puts := 0
			for _, wr := range m.Writes {
				if wr.Kind == index.WritePut {
					puts++
				}
			}
			fmt.Fprintf(w, "applied from the write journal: %d puts (indexed instead of their source files), %d deletions\n", puts, len(m.Writes)-puts)
		}
	} else if st.Current != "" {
		fmt.Fprintln(w, "manifest: none (built by an older govsearch; the next full build writes one)")
	}
	switch {
	case st.JournalDamaged != "":
		fmt.Fprintf(w, "pending writes: unreadable: %s\n", st.JournalDamaged)
	case len(st.Writes) == 0:
		fmt.Fprintln(w, "pending writes: none")
	default:
		fmt.Fprintf(w, "pending writes: %d (PUT and DELETE through the admin API, applied by every build until the source tree changes the document), newest first:\n", len(st.Writes))
		listWrites(w, st.Writes)
	}
	fmt.Fprintf(w, "generations: %s\n", strings.Join(st.Generations, ", "))
	for _, name := range st.Stale {
		fmt.Fprintf(w, "stale: %s (left by an interrupted build; the next build removes it)\n", name)
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
