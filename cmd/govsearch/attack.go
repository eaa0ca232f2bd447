package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govsearch/govsearch/index"
)

// commonCharacters are the characters of Chinese text that match most
// sections: the parts of the costliest queries one can type.
const commonCharacters = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"

// runAttack measures what costly queries do to everyone else: a normal
// reader (-c clients asking the query file's requests, each once, so
// cold) first alone and then while -attackers clients send the costliest
// queries the API admits (common single characters, repeated, ANDed and
// ORed, collapsed, faceted and sorted, never the same twice), and prints
// the reader's latency both ways and their ratio, and what the attackers
// got. The reader's requests alternate between the two runs, so that
// each is asked for the first time.
func runAttack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("attack", "-url URL -queries FILE [-attackers 12] [-c 1]", stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "base URL of a running govsearch")
	queries := fs.String("queries", "", "the reader's queries, JSON lines of {\"q\"} such as testdata/eval/queries.jsonl (required)")
	clients := fs.Int("c", 1, "concurrent readers")
	attackers := fs.Int("attackers", 12, "concurrent clients sending costly queries")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *queries == "" || fs.NArg() > 0 || *clients < 1 || *attackers < 0 {
		fs.Usage()
		return fmt.Errorf("%w: attack needs -queries, -c ≥ 1 and -attackers ≥ 0", errUsage)
	}
	qs, err := index.ReadEvalQueries(*queries)
	if err != nil {
		return err
	}
	root := strings.TrimRight(*base, "/")
	targets := benchTargets(root, qs)
	var alone, attacked []benchTarget
	for i, t := range targets {
		if i%2 == 0 {
			alone = append(alone, t)
		} else {
			attacked = append(attacked, t)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients + *attackers}, Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()

	before, err := readOnce(ctx, client, alone, *clients)
	if err != nil {
		return err
	}
	actx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	var slowest time.Duration
	for a := range *attackers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(a), uint64(time.Now().UnixNano())))
			for actx.Err() == nil {
				start := time.Now()
				status, err := getStatus(actx, client, attackURL(root, r))
				if actx.Err() != nil {
					return
				}
				took := time.Since(start)
				mu.Lock()
				if err != nil {
					statuses[0]++
				} else {
					statuses[status]++
				}
				slowest = max(slowest, took)
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Second) // the attack is under way before the reader starts
	during, err := readOnce(ctx, client, attacked, *clients)
	stop()
	wg.Wait()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "a reader (%d client(s), each request asked once) alone, then with %d attackers, against %s\n\n", *clients, *attackers, *base)
	fmt.Fprintln(stdout, "| reader | requests | errors | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|")
	for _, row := range []struct {
		name string
		r    *onceResult
	}{{"alone", before}, {fmt.Sprintf("with %d attackers", *attackers), during}} {
		fmt.Fprintf(stdout, "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f |\n", row.name, len(row.r.latencies), row.r.errors,
			ms(pct(row.r.latencies, 50)), ms(pct(row.r.latencies, 90)), ms(pct(row.r.latencies, 99)), ms(pct(row.r.latencies, 100)))
	}
	ratio := float64(pct(during.latencies, 99)) / float64(max(pct(before.latencies, 99), time.Microsecond))
	fmt.Fprintf(stdout, "\nreader p99 with attackers / alone: %.2f\n", ratio)
	var answers []string
	for _, s := range slices.Sorted(func(yield func(int) bool) {
		for s := range statuses {
			if !yield(s) {
				return
			}
		}
	}) {
		name := fmt.Sprint(s)
		if s == 0 {
			name = "no answer"
		}
		answers = append(answers, fmt.Sprintf("%s ×%d", name, statuses[s]))
	}
	fmt.Fprintf(stdout, "attackers' answers: %s; slowest %.0f ms\n", strings.Join(answers, ", "), ms(slowest))
	for _, e := range append(before.samples, during.samples...) {
		fmt.Fprintf(stdout, "error: %s\n", e)
	}
	if n := before.errors + during.errors; n > 0 {
		return fmt.Errorf("%d of the reader's requests failed", n)
	}
	for s, n := range statuses {
		if s == 0 || s >= 500 {
			return fmt.Errorf("%d attacks were answered %d (0: not at all): a costly query must be refused or answered, never fail the server", n, s)
		}
	}
	return nil
}

// attackURL makes one costly request, different each time so that no
// cache answers it: up to eight common characters (the most a query may
// have), some repeated, ANDed or ORed, with the options that add to a
// search's cost.
func attackURL(base string, r *rand.Rand) string {
	chars := []rune(commonCharacters)
	var parts []string
	for range 8 {
		c := string(chars[r.IntN(min(len(chars), 40))])
		for range 1 + r.IntN(4) {
			parts = append(parts, c)
		}
	}
	r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	sep := " "
	if r.IntN(2) == 0 {
		sep = " OR "
	}
	v := url.Values{"q": {strings.Join(parts, sep)}}
	switch r.IntN(3) {
	case 0:
		v.Set("collapse", "doc")
		v.Set("facets", "publisher,year,kind")
	case 1:
		v.Set("sort", "date")
		v.Set("size", "100")
	}
	return base + "/v1/search?" + v.Encode()
}

// onceResult is the latencies of requests each sent once.
type onceResult struct {
	latencies []time.Duration
	errors    int
	samples   []string
}

// readOnce sends each target once from clients goroutines and returns
// the latencies, sorted.
func readOnce(ctx context.Context, client *http.Client, targets []benchTarget, clients int) (*onceResult, error) {
	var next atomic.Int64
	var mu sync.Mutex
	res := &onceResult{}
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(targets) {
					return
				}
				start := time.Now()
				status, err := getStatus(ctx, client, targets[i].url)
				took := time.Since(start)
				mu.Lock()
				switch {
				case err != nil || status != http.StatusOK:
					res.errors++
					if len(res.samples) < 3 {
						res.samples = append(res.samples, fmt.Sprintf("GET %s: %d %v", targets[i].url, status, err))
					}
				default:
					res.latencies = append(res.latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.Sort(res.latencies)
	return res, nil
}

// getStatus sends one GET, reads the whole answer and returns its status.
func getStatus(ctx context.Context, client *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil && !errors.Is(err, context.Canceled) {
		return 0, err
	}
	return resp.StatusCode, nil
}
