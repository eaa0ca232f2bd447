package index

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/govsearch/govsearch/analyzer"
)

// EvalQuery is one query of an evaluation file (JSON lines).
type EvalQuery struct {
	// Q is the query as a user types it.
	Q string `json:"q"`
	// Kind groups queries in reports (word, span, char, quoted, ...).
	Kind string `json:"kind"`
	// Want, for known-item queries, is the section a person wants first
	// (doc_id#section).
	Want string `json:"want,omitempty"`
}

// ReadEvalQueries reads a JSON-lines query file; errors name the line.
func ReadEvalQueries(path string) ([]EvalQuery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("queries: %w", err)
	}
	defer f.Close()
	var qs []EvalQuery
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		var q EvalQuery
		if err := json.Unmarshal([]byte(text), &q); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if strings.TrimSpace(q.Q) == "" {
			return nil, fmt.Errorf("%s:%d: empty query", path, line)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return qs, nil
}

// EvalOptions configure an evaluation.
type EvalOptions struct {
	Source  string
	Queries []EvalQuery
	// WorkDir receives one index per variant.
	WorkDir  string
	Variants []Variant
	// Log, when set, receives progress lines.
	Log io.Writer
	// Runs is how many times each index is built (alternating between the
	// variants); build times are the medians. 0 means 1.
	Runs int
}

// EvalResult is how one index variant did.
type EvalResult struct {
	Variant Variant
	// Recall is the share of the true matches returned, over all queries;
	// the truth is a scan of the normalized text for each part.
	Recall float64
	// RecallMisses lists queries that missed a true match.
	RecallMisses []string
	// QuotedPrecision is the share of results of quoted queries that hold
	// the quoted text.
	QuotedPrecision float64
	// PrecisionMisses lists quoted queries that returned a wrong section.
	PrecisionMisses []string
	// DocRecall is the share of the documents that hold every part of a
	// query (each group in some section, see Index.docMatches) that a
	// collapsed search (collapse=doc) returns, over all queries; the
	// truth is the same scan, by document.
	DocRecall       float64
	DocRecallMisses []string
	// MRR is the mean reciprocal rank of the wanted section in the first
	// ten hits of known-item queries.
	MRR        float64
	IndexBytes int64
	// BuildTime is the median over Runs builds.
	BuildTime time.Duration
	// BuildCPU is the median CPU time (user and system, all threads) of
	// the builds: steadier than wall time on a shared machine.
	BuildCPU time.Duration
	// BuildTimes and BuildCPUs are each run's figures, in run order, so
	// that variants can be compared run by run.
	BuildTimes, BuildCPUs []time.Duration
	Runs                  int
	// QueryTime is the mean time of one search for the first ten hits.
	QueryTime time.Duration
	// Counts of queries behind each figure.
	RecallQueries, QuotedQueries, KnownQueries int
}

// Evaluate indexes opts.Source once per variant and runs the queries on
// each, against the truth of a brute-force scan.
func Evaluate(ctx context.Context, opts EvalOptions) ([]EvalResult, error) {
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	corpus, err := loadTruthCorpus(opts.Source)
	if err != nil {
		return nil, err
	}
	logf("corpus: %d sections", len(corpus))
	truth := make([]map[string]bool, len(opts.Queries))
	docTruth := make([]map[string]bool, len(opts.Queries))
	for i, q := range opts.Queries {
		truth[i] = corpus.matches(parseQuery(q.Q))
		docTruth[i] = corpus.matchesDocs(parseQuery(q.Q))
	}
	runs := max(opts.Runs, 1)
	times, cpus := map[Variant][]time.Duration{}, map[Variant][]time.Duration{}
	sizes := map[Variant]int64{}
	for run := range runs {
		for _, v := range opts.Variants {
			dir := filepath.Join(opts.WorkDir, string(v))
			os.RemoveAll(dir)
			// Each build starts from the same process state: the memory of
			// the last one returned to the system, not left for this one to
			// reuse without page faults.
			debug.FreeOSMemory()
			cpu0 := processCPU()
			sum, err := Build(ctx, BuildOptions{Source: opts.Source, Index: dir, Variant: v})
			if err != nil {
				return nil, fmt.Errorf("build %s index: %w", v, err)
			}
			cpus[v] = append(cpus[v], processCPU()-cpu0)
			times[v] = append(times[v], sum.Elapsed)
			sizes[v] = sum.IndexBytes
			logf("%s: run %d built in %s (CPU %s), %.1f MB", v, run+1, sum.Elapsed.Round(time.Millisecond), cpus[v][run].Round(time.Millisecond), float64(sum.IndexBytes)/1e6)
		}
	}
	var results []EvalResult
	for _, v := range opts.Variants {
		ix, err := Open(filepath.Join(opts.WorkDir, string(v)))
		if err != nil {
			return nil, err
		}
		res, err := evalIndex(ctx, ix, opts.Queries, truth, docTruth)
		ix.Close()
		if err != nil {
			return nil, fmt.Errorf("evaluate %s: %w", v, err)
		}
		res.Variant, res.IndexBytes, res.Runs = v, sizes[v], len(times[v])
		res.BuildTimes, res.BuildCPUs = times[v], cpus[v]
		res.BuildTime, res.BuildCPU = median(times[v]), median(cpus[v])
		results = append(results, *res)
	}
	return results, nil
}

// processCPU is the CPU time the process has used so far, user and
// system, or 0 where the system cannot tell.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the most resident memory the process has held at once, in
// bytes, or 0 where the system cannot tell (Linux reports it in KiB).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) << 10
}

// median returns the median of ds (the lower middle for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// evalIndex runs the queries on ix as readers get them: read by the
// query reader (SearchRequest.Interpret), sections and, collapsed,
// documents.
func evalIndex(ctx context.Context, ix *Index, queries []EvalQuery, truth, docTruth []map[string]bool) (*EvalResult, error) {
	r := &EvalResult{}
	var found, want, quotedRight, quotedAll, docsFound, docsWant int
	var rr float64
	var searchTime time.Duration
	for i, q := range queries {
		got, gotDocs, err := ix.matchAll(ctx, q.Q)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", q.Q, err)
		}
		missedDocs := len(docTruth[i]) - countFound(docTruth[i], gotDocs)
		docsWant += len(docTruth[i])
		docsFound += len(docTruth[i]) - missedDocs
		if missedDocs > 0 {
			r.DocRecallMisses = append(r.DocRecallMisses, fmt.Sprintf("%s (%d of %d documents missed)", q.Q, missedDocs, len(docTruth[i])))
		}
		r.RecallQueries++
		missed := len(truth[i]) - countFound(truth[i], got)
		want += len(truth[i])
		found += len(truth[i]) - missed
		if missed > 0 {
			r.RecallMisses = append(r.RecallMisses, fmt.Sprintf("%s (%d of %d missed)", q.Q, missed, len(truth[i])))
		}
		if allQuoted(q.Q) {
			r.QuotedQueries++
			wrong := 0
			for id := range got {
				quotedAll++
				if truth[i][id] {
					quotedRight++
				} else {
					wrong++
				}
			}
			if wrong > 0 {
				r.PrecisionMisses = append(r.PrecisionMisses, fmt.Sprintf("%s (%d of %d wrong)", q.Q, wrong, len(got)))
			}
		}
		start := time.Now()
		res, err := ix.Search(ctx, SearchRequest{Query: q.Q, Size: 10, Interpret: true})
		searchTime += time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", q.Q, err)
		}
		if q.Want != "" {
			r.KnownQueries++
			for rank, h := range res.Hits {
				if h.ID == q.Want {
					rr += 1 / float64(rank+1)
					break
				}
			}
		}
	}
	r.Recall = ratio(found, want)
	r.DocRecall = ratio(docsFound, docsWant)
	r.QuotedPrecision = ratio(quotedRight, quotedAll)
	if r.KnownQueries > 0 {
		r.MRR = rr / float64(r.KnownQueries)
	}
	if len(queries) > 0 {
		r.QueryTime = searchTime / time.Duration(len(queries))
	}
	return r, nil
}

// countFound is how many of the true matches got holds.
func countFound(truth, got map[string]bool) int {
	n := 0
	for id := range truth {
		if got[id] {
			n++
		}
	}
	return n
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// allQuoted reports whether every positive part of q is a quoted phrase.
func allQuoted(q string) bool {
	n := 0
	for _, p := range parseQuery(q) {
		if p.Negated {
			continue
		}
		if !p.Phrase {
			return false
		}
		n++
	}
	return n > 0
}

// matchAll returns the ids of every section the query matches, read as
// readers' queries are, and of every document a collapsed search of it
// returns.
func (ix *Index) matchAll(ctx context.Context, q string) (sections, docs map[string]bool, err error) {
	in, err := ix.Interpret(ctx, q, time.Now())
	if err != nil {
		return nil, nil, err
	}
	p, err := ix.plan(q, in.Readings)
	if err != nil {
		return nil, nil, err
	}
	count, err := ix.bleve.DocCount()
	if err != nil {
		return nil, nil, err
	}
	sr := bleve.NewSearchRequestOptions(p.query, int(count), 0, false)
	res, err := ix.bleve.SearchInContext(ctx, sr)
	if err != nil {
		return nil, nil, err
	}
	sections = make(map[string]bool, len(res.Hits))
	for _, h := range res.Hits {
		sections[h.ID] = true
	}
	docs, err = ix.docMatches(ctx, p, SearchRequest{Query: q})
	return sections, docs, err
}

// truthSection is a section in normalized form, for brute-force truth.
type truthSection struct {
	id, title, heading, text string
}

type truthCorpus []truthSection

// loadTruthCorpus reads and normalizes every section under src.
func loadTruthCorpus(src string) (truthCorpus, error) {
	files, _, err := listSources(src, false)
	if err != nil {
		return nil, err
	}
	var c truthCorpus
	for _, f := range files {
		r, _, ferr := readReply(src, f)
		if ferr != nil {
			continue // Build skips it too
		}
		title := analyzer.NormalizeString(r.Title)
		for _, s := range r.Sections {
			c = append(c, truthSection{
				id:      sectionID(r.DocID, s.Num),
				title:   title,
				heading: analyzer.NormalizeString(s.Heading),
				text:    analyzer.NormalizeString(s.Text),
			})
		}
	}
	return c, nil
}

// matchesDocs returns the doc_ids of documents that hold the parts
// literally: each group of OR-ed parts in one of their sections that
// holds no excluded part (an excluded part leaves out the sections that
// hold it, as in a search of sections).
func (c truthCorpus) matchesDocs(parts []queryPart) map[string]bool {
	groups, not := truthGroups(parts)
	out := map[string]bool{}
	if len(groups) == 0 {
		return out
	}
	held := map[string][]bool{} // doc → which groups it holds
	for _, s := range c {
		if slices.ContainsFunc(not, func(t string) bool { return s.has(t) }) {
			continue
		}
		doc := docOfSection(s.id)
		h := held[doc]
		if h == nil {
			h = make([]bool, len(groups))
			held[doc] = h
		}
		for gi, g := range groups {
			if !h[gi] && slices.ContainsFunc(g, s.has) {
				h[gi] = true
			}
		}
	}
	for doc, h := range held {
		if !slices.Contains(h, false) {
			out[doc] = true
		}
	}
	return out
}

// truthGroups are the normalized groups of OR-ed parts and the excluded
// parts of a query.
func truthGroups(parts []queryPart) (groups [][]string, not []string) {
	for _, p := range parts {
		t := analyzer.NormalizeString(p.Text)
		if strings.TrimSpace(t) == "" {
			continue
		}
		switch {
		case p.Negated:
			not = append(not, t)
		case p.Or && len(groups) > 0:
			groups[len(groups)-1] = append(groups[len(groups)-1], t)
		default:
			groups = append(groups, []string{t})
		}
	}
	return groups, not
}

// has reports whether the section's title, heading or text holds t.
func (s truthSection) has(t string) bool {
	return strings.Contains(s.text, t) || strings.Contains(s.heading, t) || strings.Contains(s.title, t)
}

// matches returns the ids of sections that satisfy the parts literally:
// each group of OR-ed parts has one in the title, heading or text, and no
// excluded part occurs. Synonyms and words scattered are not truth: they
// only add results.
func (c truthCorpus) matches(parts []queryPart) map[string]bool {
	out := map[string]bool{}
	groups, not := truthGroups(parts)
	if len(groups) == 0 {
		return out
	}
	for _, s := range c {
		ok := true
		for _, g := range groups {
			if !slices.ContainsFunc(g, s.has) {
				ok = false
				break
			}
		}
		for _, t := range not {
			if ok && s.has(t) {
				ok = false
			}
		}
		if ok {
			out[s.id] = true
		}
	}
	return out
}
