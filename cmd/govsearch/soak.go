package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govsearch/govsearch/index"

	"github.com/govsearch/govsearch/api"
)

// runSoak loads a running server for a long while with bench's request
// mix, has it reindex every so often through the admin API, and samples
// its memory and goroutines from /metrics: leaks and failures that a short
// bench never shows (an index swapped out but never closed, goroutines
// left by each rebuild, requests failing during a swap) show here as a
// curve that climbs or a failed request.
func runSoak(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("soak", "-queries FILE -admin-token TOKEN [-url URL] [-d 10m] [-reindex-every 2m] [flags]", stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of a running govsearch")
	queries := fs.String("queries", "", "query file, JSON lines of {\"q\"} such as testdata/eval/queries.jsonl (required)")
	clients := fs.Int("c", 8, "concurrent clients")
	duration := fs.Duration("d", 10*time.Minute, "how long to send requests")
	every := fs.Duration("reindex-every", 2*time.Minute, "how often to start a reindex (POST /v1/admin/reindex); 0 for none")
	mode := fs.String("reindex-mode", "alternate", "full, incremental, or alternate (full first)")
	token := fs.String("admin-token", "", "the server's admin token, for the reindex routes (prefer GOVSEARCH_ADMIN_TOKEN)")
	sampleEvery := fs.Duration("sample-every", 5*time.Second, "how often to sample the server's memory and goroutines")
	warmUp := fs.Duration("warm-up", time.Minute, "samples left out of the verdict at the start (caches filling, first reindex)")
	tolerance := fs.Float64("flat-tolerance", 20, "percent by which the last third's median may exceed the first third's for memory and goroutines to count as flat")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *queries == "" || fs.NArg() > 0 || *clients < 1 || *duration <= 0 || *every < 0 || *sampleEvery <= 0 || *warmUp < 0 || *tolerance < 0:
		fs.Usage()
		return fmt.Errorf("%w: soak needs -queries, -c ≥ 1, -d > 0, -sample-every > 0", errUsage)
	case *mode != "full" && *mode != "incremental" && *mode != "alternate":
		return fmt.Errorf("%w: -reindex-mode %q: must be full, incremental or alternate", errUsage, *mode)
	case *every > 0 && *token == "":
		return fmt.Errorf("%w: -reindex-every needs -admin-token (or GOVSEARCH_ADMIN_TOKEN), or 0 for no reindex", errUsage)
	}
	qs, err := index.ReadEvalQueries(*queries)
	if err != nil {
		return err
	}
	s := &soak{base: strings.TrimRight(*base, "/"), token: *token, client: &http.Client{Timeout: 10 * time.Second}}
	defer s.client.CloseIdleConnections()
	// The server must export what is sampled before load is sent at it.
	if _, err := s.sample(ctx); err != nil {
		return err
	}

	reindexing := "no reindex"
	if *every > 0 {
		reindexing = fmt.Sprintf("a reindex every %s (%s)", *every, *mode)
	}
	fmt.Fprintf(stdout, "soak: %d clients for %s against %s, %s, a sample every %s\n\n",
		*clients, *duration, s.base, reindexing, *sampleEvery)
	fmt.Fprintln(stdout, "| time | RSS MB | goroutines | requests/s | errors | generation | reindex |\n|---|---|---|---|---|---|---|")
	var live loadCounters
	loadDone := make(chan *loadResult, 1)
	loadErr := make(chan error, 1)
	start := time.Now()
	go func() {
		res, err := loadRun(ctx, benchTargets(s.base, qs), *clients, *duration, &live)
		loadErr <- err
		loadDone <- res
	}()
	resolution := time.Second // of the times printed
	if *sampleEvery < time.Second {
		resolution = 100 * time.Millisecond
	}
	tick := time.NewTicker(*sampleEvery)
	defer tick.Stop()
	var samples []soakSample
	var lastRequests, lastErrors int64
	lastAt := start
	nextReindex, reindexes := start.Add(*every), 0
	var res *loadResult
	for res == nil {
		select {
		case err := <-loadErr:
			if err != nil {
				return err
			}
			res = <-loadDone
		case <-tick.C:
		}
		now := time.Now()
		if res != nil && now.Sub(lastAt) < *sampleEvery/2 {
			break // the run ended just after a sample: requests/s would mean nothing
		}
		if res == nil && *every > 0 && !now.Before(nextReindex) {
			m := *mode
			if m == "alternate" {
				m = []string{"full", "incremental"}[reindexes%2]
			}
			switch {
			case s.lastState == "running":
				// A reindex slower than -reindex-every is not a failure
				// of the server; the next one waits its turn.
				s.rebuilds = append(s.rebuilds, fmt.Sprintf("%s: skipped a %s reindex: the last one is still running", now.Sub(start).Round(time.Second), m))
			default:
				if err := s.startReindex(ctx, m); err != nil {
					s.failures = append(s.failures, fmt.Sprintf("%s: %v", now.Sub(start).Round(time.Second), err))
				}
				reindexes++
			}
			nextReindex = nextReindex.Add(*every)
		}
		smp, err := s.sample(ctx)
		if err != nil {
			// A server that stops answering its probes is a failure of
			// the run, not of the soak command.
			s.failures = append(s.failures, fmt.Sprintf("%s: %v", now.Sub(start).Round(time.Second), err))
			continue
		}
		reqs, errs := live.requests.Load(), live.errors.Load()
		smp.at = now.Sub(start)
		smp.rps = float64(reqs-lastRequests) / now.Sub(lastAt).Seconds()
		smp.errors = errs - lastErrors
		lastRequests, lastErrors, lastAt = reqs, errs, now
		samples = append(samples, smp)
		fmt.Fprintf(stdout, "| %s | %.0f | %d | %.0f | %d | %s | %s |\n", smp.at.Round(resolution), smp.rss/(1<<20),
			smp.goroutines, smp.rps, smp.errors, smp.generation, smp.reindex)
	}

	ran := time.Since(start)
	fmt.Fprintf(stdout, "\nrequests: %d in %s (%.0f/s), %d failed\n", res.total(), ran.Round(time.Second), float64(res.total())/ran.Seconds(), res.errors())
	for _, k := range res.byKind {
		for _, e := range k.samples {
			fmt.Fprintf(stdout, "  error: %s\n", e)
		}
	}
	fmt.Fprintf(stdout, "reindexes: %d started\n", reindexes)
	for _, r := range s.rebuilds {
		fmt.Fprintf(stdout, "  %s\n", r)
	}
	for _, f := range s.failures {
		fmt.Fprintf(stdout, "  failure: %s\n", f)
	}
	v := judge(samples, *warmUp, *tolerance)
	for _, line := range v.lines {
		fmt.Fprintln(stdout, line)
	}
	var problems []string
	if ctx.Err() != nil {
		problems = append(problems, fmt.Sprintf("interrupted after %s of %s", ran.Round(time.Second), *duration))
	}
	if n := res.errors(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d requests failed", n))
	}
	if len(s.failures) > 0 {
		problems = append(problems, fmt.Sprintf("%d reindex or probe failures", len(s.failures)))
	}
	problems = append(problems, v.problems...)
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "verdict: FAIL: %s\n", strings.Join(problems, "; "))
		return errors.New("soak: " + strings.Join(problems, "; "))
	}
	fmt.Fprintf(stdout, "verdict: PASS: no failed request%s\n", v.pass)
	return nil
}

// soak is the probing side of a soak run: the admin and metrics requests.
type soak struct {
	base, token string
	client      *http.Client
	// lastState is the reindex state last seen, to report each reindex
	// once when it ends.
	lastState string
	rebuilds  []string
	failures  []string
}

// soakSample is what the server looked like at one moment of the run.
type soakSample struct {
	at         time.Duration
	rss        float64 // bytes
	goroutines int
	rps        float64
	errors     int64
	generation string
	reindex    string // the reindex state, "-" without the admin token
	idle       bool   // no reindex was running
}

// sample reads the server's memory and goroutines from /metrics, and its
// generation and reindex state from the admin route when it has the token.
func (s *soak) sample(ctx context.Context) (soakSample, error) {
	smp := soakSample{generation: "-", reindex: "-", idle: true}
	body, err := s.get(ctx, "/metrics")
	if err != nil {
		return smp, err
	}
	values := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			values[name] = v
		}
	}
	rss, ok1 := values["process_resident_memory_bytes"]
	g, ok2 := values["go_goroutines"]
	if !ok1 || !ok2 {
		return smp, fmt.Errorf("%s/metrics lacks process_resident_memory_bytes or go_goroutines", s.base)
	}
	smp.rss, smp.goroutines = rss, int(g)
	if s.token == "" {
		return smp, nil
	}
	body, err = s.get(ctx, "/v1/admin/reindex")
	if err != nil {
		return smp, err
	}
	var st api.RebuildResponse
	if err := json.Unmarshal(body, &st); err != nil {
		return smp, fmt.Errorf("GET %s/v1/admin/reindex: %w", s.base, err)
	}
	smp.generation = filepath.Base(st.Index)
	smp.reindex = st.State
	smp.idle = st.State != "running"
	if st.State == "running" {
		smp.reindex = fmt.Sprintf("running %d/%d", st.FilesDone, st.Files)
	}
	if st.State != s.lastState && (st.State == "done" || st.State == "failed") && st.Started != nil && st.Ended != nil {
		started, _ := time.Parse(time.RFC3339, *st.Started)
		ended, _ := time.Parse(time.RFC3339, *st.Ended)
		took := ended.Sub(started).String() // the route's times are to the second
		if took == "0s" {
			took = "under 1s"
		}
		line := fmt.Sprintf("%s %s in %s, serving %s", st.State, cmp.Or(st.Kind, "reindex"), took, smp.generation)
		if st.Kind == "incremental" {
			line += fmt.Sprintf(" (%d added, %d changed, %d removed)", st.Added, st.Changed, st.Removed)
		}
		if st.State == "failed" {
			line += ": " + st.Error
			s.failures = append(s.failures, "reindex failed: "+st.Error)
		}
		s.rebuilds = append(s.rebuilds, line)
	}
	s.lastState = st.State
	return smp, nil
}

// startReindex asks the server to reindex: a 202, or the run fails.
func (s *soak) startReindex(ctx context.Context, mode string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/v1/admin/reindex?mode="+mode, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("start %s reindex: %w", mode, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("start %s reindex: %s: %s", mode, resp.Status, strings.TrimSpace(string(body)))
	}
	// The state it was in is forgotten, so that this one is reported
	// when it ends even if the last one ended the same way.
	s.lastState = "running"
	return nil
}

// get fetches a path of the server, with the admin token if there is one.
func (s *soak) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s%s: %w", s.base, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s%s: %w", s.base, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s%s: %s", s.base, path, resp.Status)
	}
	return body, nil
}

// verdict is what the samples say about memory and goroutines.
type verdict struct {
	lines    []string // the figures
	problems []string // why they are not flat
	pass     string   // what the figures showed, when flat
}

// judge calls memory and goroutines flat when, over the samples taken
// after the warm-up while no reindex ran (a rebuild's own memory and
// workers come and go with it), the median of the last third exceeds the
// median of the first third by at most tolerance percent (goroutines: or
// by at most 5, as a few come and go with connections). With fewer than
// three such samples in each third the run is too short to judge, which
// is said and is not a failure.
func judge(samples []soakSample, warmUp time.Duration, tolerance float64) verdict {
	var idle []soakSample
	for _, s := range samples {
		if s.at >= warmUp && s.idle {
			idle = append(idle, s)
		}
	}
	v := verdict{}
	third := len(idle) / 3
	if third < 3 {
		v.lines = append(v.lines, fmt.Sprintf("memory and goroutines: %d samples after the %s warm-up with no reindex running: too few to judge (9 or more)", len(idle), warmUp))
		v.pass = ", memory and goroutines not judged (run too short)"
		return v
	}
	first, last := idle[:third], idle[len(idle)-third:]
	median := func(ss []soakSample, f func(soakSample) float64) float64 {
		vals := make([]float64, len(ss))
		for i, s := range ss {
			vals[i] = f(s)
		}
		slices.Sort(vals)
		if n := len(vals); n%2 == 0 {
			return (vals[n/2-1] + vals[n/2]) / 2
		}
		return vals[len(vals)/2]
	}
	rss := func(s soakSample) float64 { return s.rss / (1 << 20) }
	gor := func(s soakSample) float64 { return float64(s.goroutines) }
	window := func(ss []soakSample) string {
		return fmt.Sprintf("%s–%s", ss[0].at.Round(time.Second), ss[len(ss)-1].at.Round(time.Second))
	}
	v.lines = append(v.lines, fmt.Sprintf("flat means: over the samples after the %s warm-up with no reindex running (%d), the last third's median at most %.0f%% above the first third's (goroutines: or at most 5 above)",
		warmUp, len(idle), tolerance))
	for _, m := range []struct {
		name  string
		unit  string
		f     func(soakSample) float64
		slack float64
	}{{"RSS", " MB", rss, 0}, {"goroutines", "", gor, 5}} {
		a, b := median(first, m.f), median(last, m.f)
		change := 100 * (b - a) / a
		flat := b <= a*(1+tolerance/100) || b-a <= m.slack
		word := "flat"
		if !flat {
			word = "GROWING"
			v.problems = append(v.problems, fmt.Sprintf("%s grew %.0f%% (%.0f%s → %.0f%s)", m.name, change, a, m.unit, b, m.unit))
		}
		v.lines = append(v.lines, fmt.Sprintf("%s: median %.0f%s over %s, %.0f%s over %s: %+.1f%%, %s",
			m.name, a, m.unit, window(first), b, m.unit, window(last), change, word))
	}
	v.pass = ", memory and goroutines flat"
	return v
}
