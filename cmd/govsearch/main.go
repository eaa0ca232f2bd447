// Command govsearch is a full-text search service for Chinese government
// replies (答复的函) and the documents around them: it indexes a folder of
// Markdown files with YAML front matter into sections, and serves ranked,
// highlighted sections over HTTP and on the command line.
//
// Usage:
//
//	govsearch index   -src DIR -index DIR [-incremental] [-user-dict FILE] [-synonyms FILE] [-workers N] [-links-outside] [-compare-jieba]
//	govsearch index   -status -index DIR
//	govsearch search  -index DIR [-n 10] [-from 0] [-json] [-raw] [-synonyms FILE] QUERY
//	govsearch serve   [-index DIR] [-src DIR] [-links-outside] [-addr 127.0.0.1:8080] [-user-dict FILE] [-synonyms FILE] [-watch 2s]
//	                  [-cors-origins URL,...] [-rate-limit 20] [-rate-burst 40] [-log-format text|json]
//	                  [-public-url URL] [-public-hosts HOST,...] [-max-conns 1024] [-admin-token TOKEN]
//	govsearch analyze [-user-dict FILE] TEXT
//	govsearch eval    -src DIR -queries FILE [-variants govsearch,jieba,cjk] [-runs 1] [-work DIR]
//	govsearch health  [-url http://127.0.0.1:8080/healthz]
//	govsearch bench   -queries FILE [-url http://127.0.0.1:8080] [-c 50] [-d 30s]
//	govsearch soak    -queries FILE -admin-token TOKEN [-url http://127.0.0.1:8080] [-c 8] [-d 10m]
//	                  [-reindex-every 2m] [-reindex-mode alternate|full|incremental] [-sample-every 5s]
//	                  [-warm-up 1m] [-flat-tolerance 20]
//
// index builds a complete index of every .md and .markdown file under -src.
// It builds a new generation beside the one being served and swaps it in
// only when complete, so a failed or interrupted run leaves the previous
// index untouched. It prints progress on a terminal and a summary at the
// end (with the peak memory), and exits 1 when any file was skipped (after
// indexing the rest). -incremental re-reads only the files whose content
// hash differs from the manifest kept with the index, adds new ones and
// deletes the documents of removed ones; it refuses when the dictionary,
// synonyms or index format changed. One run at a time may build a folder;
// a run removes what interrupted ones left. Every run applies the folder's
// write journal (-index/writes: documents put and deleted through the
// admin API) over the source tree, until a source file changes the
// document. -status prints what a folder serves and was built from, the
// pending writes, and whether a build is running.
// -compare-jieba also cuts the same files with raw jieba and prints both
// throughputs. -synonyms records synonym groups with the index. A symbolic
// link under -src that points outside it is skipped with the reason
// unless -links-outside (serve takes it too, for the indexes it builds).
//
// search prints ranked sections for QUERY: title, heading, date, score and
// a snippet with the matches marked; -json prints the HTTP API's JSON.
// Every part must occur (its characters in a row, or its words apart);
// "quoted text" must occur exactly; A OR B needs either; -part excludes.
// Unquoted parts also find their synonyms and abbreviations (工信部 finds
// 工业和信息化部); -synonyms FILE adds groups, one a line, comma-separated.
// Dates (2020年, 2019年以来, 去年), issuing bodies (工信部), kinds (提案),
// sessions (十三届三次) and addressees (张连起委员) that stand alone in QUERY
// are read as filters, and the output says how; -raw searches it as typed.
//
// serve serves the HTTP API (GET /v1/search, GET /v1/search.atom, GET
// /v1/documents/{doc_id}, its sections' citations, GET /v1/stats, GET
// /healthz, GET /readyz, GET /metrics) and the pages. With -src and no
// index at -index it builds one first. Each client (IP address) may make
// -rate-limit requests a second to /v1, in bursts of -rate-burst; pages
// from -cors-origins may call it from browsers; logs go to stderr as text
// or JSON (-log-format). It takes up an index that govsearch index swapped
// into -index on its own (checking every -watch), on SIGHUP and on POST
// /v1/admin/reload, without failing a request. Feeds, citations and the
// embed snippet link to -public-url; without it to a request's host only
// when it is one of -public-hosts or a loopback name, else relatively (a
// forged Host must not reach what caches keep for everyone); at most
// -max-conns connections are open at once, more wait in the kernel.
// Without -index and -src it serves the sample of real replies built into
// the binary, indexed into the cache folder on first start.
//
// bench loads a running server (-url) from -c clients for -d with a mix of
// searches, collapsed searches with facets, filtered searches by date and
// suggestions built from -queries, and prints requests/s, p50/p90/p99/max
// latency and errors by kind; it exits 1 when any request failed.
//
// soak runs bench's request mix against a running server for -d, has it
// reindex from its -src every -reindex-every (POST /v1/admin/reindex with
// the admin token; -reindex-mode alternate starts with a full rebuild and
// then alternates with incremental runs), and samples its memory (RSS) and
// goroutines from /metrics every -sample-every. It prints a table as it
// goes (time, RSS, goroutines, requests/s, errors, generation served,
// reindex state), each reindex's outcome, and a verdict: no failed
// request or reindex, and memory and goroutines flat: over the samples
// after -warm-up taken while no reindex ran, the last third's median at
// most -flat-tolerance percent above the first third's (goroutines: or at
// most 5 above). It exits 1 on any failed request or reindex, and when
// memory or goroutines grew.
//
// analyze prints the tokens of TEXT (term, byte offsets, position), for
// people who tune dictionaries.
//
// eval indexes -src once per index variant (govsearch's own, a jieba-only
// index, bleve's "cjk" bigram analyzer), runs the query file and prints a
// table: recall and quoted-phrase precision against a brute-force scan of
// the normalized text, MRR@10 of known-item queries, index size, build
// time (the median of -runs builds of each, alternating). It exits 1 when
// govsearch's recall or quoted precision is below 1.
//
// health probes a running server's /healthz and exits 0 when it answers
// 200: the container image's HEALTHCHECK.
//
// Every flag's default can be set by an environment variable
// GOVSEARCH_<FLAG> with dashes as underscores, for example
// GOVSEARCH_INDEX=/data/index or GOVSEARCH_USER_DICT=/etc/govsearch/words.txt.
// GOVSEARCH_CACHE_DIR sets where dictionaries and the sample index are
// unpacked (default: the user's cache folder, else the temporary folder).
// The commands that load jieba restart themselves with GLIBC_TUNABLES
// glibc.malloc.hugetlb=1 unless it is set (see hugepages_linux.go).
//
// Exit status: 0 on success, 1 on failure, 2 on a usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	useHugePages(os.Args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// errUsage marks errors in how the command was called (exit status 2).
var errUsage = errors.New("usage")

// errSkipped marks an index run that indexed everything it could but
// skipped some files (exit status 1, after the summary).
var errSkipped = errors.New("some files were skipped")

func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "govsearch:", err)
		return 2
	}
	fmt.Fprintln(stderr, "govsearch:", err)
	return 1
}

// command is one subcommand.
type command struct {
	name  string
	short string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"index", "build an index from a folder of Markdown replies", runIndex},
		{"search", "search an index from the command line", runSearch},
		{"serve", "serve the HTTP API", runServe},
		{"analyze", "print the tokens of a text", runAnalyze},
		{"eval", "measure recall, precision and ranking against baselines", runEval},
		{"health", "probe a running server (for container health checks)", runHealth},
		{"bench", "load a running server with a realistic request mix and report latency", runBench},
		{"attack", "measure a reader's latency while clients send the costliest queries", runAttack},
		{"soak", "load a running server for long, reindexing, and watch its memory and goroutines", runSoak},
	}
}

// run dispatches to a subcommand; main only adds signals and the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return fmt.Errorf("%w: a command is required", errUsage)
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "govsearch: full-text search for Chinese government replies")
	fmt.Fprintln(w, "\nUsage: govsearch COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nRun govsearch COMMAND -h for its flags. Flags default to GOVSEARCH_<FLAG> environment variables.")
}
