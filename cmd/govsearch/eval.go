package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/govsearch/govsearch/index"
)

// errEvalFailed marks an evaluation in which govsearch missed a true match
// or returned a wrong section for a quoted phrase.
var errEvalFailed = fmt.Errorf("evaluation below target")

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "-src DIR -queries FILE [flags]", stderr)
	src := fs.String("src", "", "folder of Markdown files to index (required)")
	queries := fs.String("queries", "", "query file, JSON lines of {\"q\", \"kind\", \"want\"} (required)")
	work := fs.String("work", "", "folder for the indexes (default: a temporary folder, removed after)")
	variants := fs.String("variants", "govsearch,jieba,cjk", "index variants to compare, comma-separated")
	runs := fs.Int("runs", 1, "builds of each index, alternating; build times are medians")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *src == "" || *queries == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: eval needs -src and -queries", errUsage)
	}
	var vs []index.Variant
	for v := range strings.SplitSeq(*variants, ",") {
		vs = append(vs, index.Variant(strings.TrimSpace(v)))
	}
	qs, err := index.ReadEvalQueries(*queries)
	if err != nil {
		return err
	}
	dir := *work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "govsearch-eval-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	if *runs < 1 {
		return fmt.Errorf("%w: -runs %d: must be at least 1", errUsage, *runs)
	}
	results, err := index.Evaluate(ctx, index.EvalOptions{Source: *src, Queries: qs, WorkDir: dir, Variants: vs, Log: stderr, Runs: *runs})
	if err != nil {
		return err
	}
	printEval(stdout, results)
	for _, r := range results {
		if r.Variant == index.VariantGovsearch && (r.Recall < 1 || r.QuotedPrecision < 1 || r.DocRecall < 1) {
			return fmt.Errorf("%w: recall %.4f, document recall %.4f, quoted precision %.4f", errEvalFailed, r.Recall, r.DocRecall, r.QuotedPrecision)
		}
	}
	return nil
}

// printEval prints the comparison table, ratios against the jieba-only
// index, and the misses of each variant.
func printEval(w io.Writer, results []index.EvalResult) {
	if len(results) == 0 {
		return
	}
	r0 := results[0]
	fmt.Fprintf(w, "%d queries (%d quoted, %d known-item); build times are medians of %d runs\n\n", r0.RecallQueries, r0.QuotedQueries, r0.KnownQueries, r0.Runs)
	fmt.Fprintf(w, "| index | recall | document recall | quoted precision | MRR@10 | index MB | build s | build CPU s | query ms |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %.4f | %.4f | %.4f | %.3f | %.1f | %.1f | %.1f | %.2f |\n", r.Variant, r.Recall, r.DocRecall, r.QuotedPrecision, r.MRR,
			float64(r.IndexBytes)/1e6, r.BuildTime.Seconds(), r.BuildCPU.Seconds(), float64(r.QueryTime)/float64(time.Millisecond))
	}
	// Ratios against each baseline: the jieba-only index (what govsearch
	// adds to segmentation) and bleve's cjk analyzer (what a bleve user
	// would pick for Chinese).
	for _, baseline := range []struct {
		v    index.Variant
		name string
	}{{index.VariantJieba, "jieba-only"}, {index.VariantCJK, "bleve cjk"}} {
		i := slices.IndexFunc(results, func(r index.EvalResult) bool { return r.Variant == baseline.v })
		if i < 0 {
			continue
		}
		base := results[i]
		fmt.Fprintln(w)
		for _, r := range results {
			if r.Variant != baseline.v {
				fmt.Fprintf(w, "%s against %s: index size %.2f×, build time %.2f×, build CPU time %.2f× (medians of the runs' ratios), query time %.2f×\n", r.Variant, baseline.name,
					float64(r.IndexBytes)/float64(base.IndexBytes), medianRatio(r.BuildTimes, base.BuildTimes), medianRatio(r.BuildCPUs, base.BuildCPUs),
					float64(r.QueryTime)/float64(base.QueryTime))
			}
		}
	}
	for _, r := range results {
		if len(r.RecallMisses)+len(r.PrecisionMisses)+len(r.DocRecallMisses) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d queries missed true matches, %d missed documents, %d quoted queries returned wrong sections\n", r.Variant, len(r.RecallMisses), len(r.DocRecallMisses), len(r.PrecisionMisses))
		for i, m := range r.DocRecallMisses {
			if i == 8 {
				fmt.Fprintf(w, "  … and %d more\n", len(r.DocRecallMisses)-i)
				break
			}
			fmt.Fprintf(w, "  missed: %s\n", m)
		}
		for i, m := range r.RecallMisses {
			if i == 8 {
				fmt.Fprintf(w, "  … and %d more\n", len(r.RecallMisses)-i)
				break
			}
			fmt.Fprintf(w, "  missed: %s\n", m)
		}
		for i, m := range r.PrecisionMisses {
			if i == 8 {
				fmt.Fprintf(w, "  … and %d more\n", len(r.PrecisionMisses)-i)
				break
			}
			fmt.Fprintf(w, "  wrong: %s\n", m)
		}
	}
}

// medianRatio is the median over runs of a[i]/b[i]: builds that ran side by
// side shared the machine's state, so their ratio is steadier than the
// ratio of medians taken apart.
func medianRatio(a, b []time.Duration) float64 {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if b[i] > 0 {
			rs = append(rs, a[i].Seconds()/b[i].Seconds())
		}
	}
	if len(rs) == 0 {
		return 0
	}
	slices.Sort(rs)
	return rs[(len(rs)-1)/2]
}
