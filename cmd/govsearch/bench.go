package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/govsearch/govsearch/index"
)

// runBench is a closed-loop load generator: -c clients, each sending its
// next request as soon as the last is answered, for -d, over a mix of
// requests a newsroom's pages make. It prints throughput, latency
// percentiles and errors by kind of request.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "-url URL -queries FILE [-c 50] [-d 30s]", stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of a running govsearch")
	queries := fs.String("queries", "", "query file, JSON lines of {\"q\"} such as testdata/eval/queries.jsonl (required)")
	clients := fs.Int("c", 50, "concurrent clients")
	duration := fs.Duration("d", 30*time.Second, "how long to send requests")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *queries == "" || fs.NArg() > 0 || *clients < 1 || *duration <= 0 {
		fs.Usage()
		return fmt.Errorf("%w: bench needs -queries, -c ≥ 1 and -d > 0", errUsage)
	}
	qs, err := index.ReadEvalQueries(*queries)
	if err != nil {
		return err
	}
	targets := benchTargets(strings.TrimRight(*base, "/"), qs)
	res, err := loadRun(ctx, targets, *clients, *duration, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d clients for %s against %s: %d requests, %.0f requests/s, %d errors\n\n",
		*clients, *duration, *base, res.total(), float64(res.total())/duration.Seconds(), res.errors())
	fmt.Fprintln(stdout, "| requests | count | errors | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|")
	for _, k := range append(slices.Sorted(func(yield func(string) bool) {
		for k := range res.byKind {
			if !yield(k) {
				return
			}
		}
	}), "all") {
		var lat []time.Duration
		var errs int
		if k == "all" {
			for _, s := range res.byKind {
				lat = append(lat, s.latencies...)
				errs += s.errors
			}
		} else {
			lat, errs = res.byKind[k].latencies, res.byKind[k].errors
		}
		slices.Sort(lat)
		fmt.Fprintf(stdout, "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f |\n", k, len(lat), errs,
			ms(pct(lat, 50)), ms(pct(lat, 90)), ms(pct(lat, 99)), ms(pct(lat, 100)))
	}
	for _, s := range res.byKind {
		for _, e := range s.samples {
			fmt.Fprintf(stdout, "error: %s\n", e)
		}
	}
	if res.errors() > 0 {
		return fmt.Errorf("%d requests failed", res.errors())
	}
	return nil
}

// benchTarget is one request of the mix.
type benchTarget struct {
	kind, url string
}

// benchTargets turns queries into the mix a newsroom's pages send: plain
// searches, collapsed searches with facets (the widget), filtered searches
// by date (the search page), and suggestions for a prefix of each query
// (typing).
func benchTargets(base string, qs []index.EvalQuery) []benchTarget {
	var out []benchTarget
	for i, q := range qs {
		v := url.Values{"q": {q.Q}}
		out = append(out, benchTarget{"search", base + "/v1/search?" + v.Encode()})
		switch i % 3 {
		case 0:
			v.Set("collapse", "doc")
			v.Set("facets", "tags,year")
			out = append(out, benchTarget{"search collapse+facets", base + "/v1/search?" + v.Encode()})
		case 1:
			v.Set("sort", "-date")
			v.Set("since", "2015-01-01")
			out = append(out, benchTarget{"search since, by date", base + "/v1/search?" + v.Encode()})
		}
		if n := utf8.RuneCountInString(q.Q); n >= 2 {
			prefix := string([]rune(q.Q)[:max(1, n-1)])
			out = append(out, benchTarget{"suggest", base + "/v1/suggest?" + url.Values{"q": {prefix}}.Encode()})
		}
	}
	return out
}

type kindStats struct {
	latencies []time.Duration
	errors    int
	samples   []string // the first few errors
}

type loadResult struct {
	byKind map[string]*kindStats
}

func (r *loadResult) total() (n int) {
	for _, s := range r.byKind {
		n += len(s.latencies) + s.errors
	}
	return n
}

func (r *loadResult) errors() (n int) {
	for _, s := range r.byKind {
		n += s.errors
	}
	return n
}

// loadCounters count the requests of a load run as they complete, for a
// caller that reports while it runs (soak).
type loadCounters struct {
	requests, errors atomic.Int64
}

// loadRun sends the targets round robin from clients goroutines for d;
// live, when not nil, counts each request as it completes.
func loadRun(ctx context.Context, targets []benchTarget, clients int, d time.Duration, live *loadCounters) (*loadResult, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("no requests to send")
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}, Timeout: 30 * time.Second}
	// The connections kept alive would outlive the run, each with two
	// goroutines.
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	res := &loadResult{byKind: map[string]*kindStats{}}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			local := map[string]*kindStats{}
			for i := c * 7919; ctx.Err() == nil; i++ {
				t := targets[i%len(targets)]
				s := local[t.kind]
				if s == nil {
					s = &kindStats{}
					local[t.kind] = s
				}
				start := time.Now()
				err := fetch(ctx, client, t.url)
				if ctx.Err() != nil {
					break // cut off by the end of the run: not counted
				}
				if live != nil {
					live.requests.Add(1)
					if err != nil {
						live.errors.Add(1)
					}
				}
				if err != nil {
					s.errors++
					if len(s.samples) < 3 {
						s.samples = append(s.samples, err.Error())
					}
					continue
				}
				s.latencies = append(s.latencies, time.Since(start))
			}
			mu.Lock()
			defer mu.Unlock()
			for k, s := range local {
				all := res.byKind[k]
				if all == nil {
					all = &kindStats{}
					res.byKind[k] = all
				}
				all.latencies = append(all.latencies, s.latencies...)
				all.errors += s.errors
				all.samples = append(all.samples, s.samples...)
				all.samples = all.samples[:min(len(all.samples), 3)]
			}
		})
	}
	wg.Wait()
	return res, nil
}

// fetch sends one GET and reads the whole answer; anything but a 200 is
// an error.
func fetch(ctx context.Context, client *http.Client, u string) error {
	status, err := getStatus(ctx, client, u)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %s", u, status, http.StatusText(status))
	}
	return err
}

// pct is the p-th percentile of sorted latencies.
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
