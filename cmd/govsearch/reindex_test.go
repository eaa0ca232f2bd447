package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govsearch/govsearch/api"
)

// copyReplies copies the bundled replies into a source folder the test
// may change.
func copyReplies(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	if err := os.CopyFS(src, os.DirFS(replies)); err != nil {
		t.Fatal(err)
	}
	return src
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %v\n%s%s", args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// total searches a running server; -1 when the request failed. Each
// request asks for another window of hits, which changes nothing of the
// total but makes it new, so that it reaches the index, not the result
// cache.
func total(client *http.Client, base, q string) (int, error) {
	n := int(requestSeq.Add(1))
	resp, err := client.Get(fmt.Sprintf("%s/v1/search?collapse=doc&facets=tags,year&from=%d&size=%d&q=%s", base, n%900, 1+n/900%10, url.QueryEscape(q)))
	if err != nil {
		return -1, err
	}
	defer resp.Body.Close()
	var body struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return -1, fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != 200 {
		return -1, fmt.Errorf("status %d", resp.StatusCode)
	}
	return body.Total, nil
}

var requestSeq atomic.Int64

// While clients search in a loop, a full and then an incremental reindex
// by `govsearch index` are taken up by the running server on its own: no
// request fails, and the new content is found.
func TestReindexSwapsUnderLoad(t *testing.T) {
	src := copyReplies(t)
	dir := filepath.Join(t.TempDir(), "index")
	runOK(t, "index", "-src", src, "-index", dir)

	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "-index", dir, "-addr", "127.0.0.1:0", "-watch", "50ms", "-rate-limit", "0"}, io.Discard, logs)
	}()
	base := "http://" + waitServing(t, logs, errc)
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	// Every answer is checked against the contract, through one transport
	// the clients share.
	checked := contract(t).Transport(t, nil)
	var requests, failures atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second, Transport: checked}
			for {
				select {
				case <-stop:
					return
				default:
				}
				n, err := total(client, base, "国务院")
				requests.Add(1)
				if err == nil && n == 0 {
					err = fmt.Errorf("no hits")
				}
				if err != nil {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	waitFor := func(q string, want int) {
		t.Helper()
		client := &http.Client{Timeout: 10 * time.Second, Transport: checked}
		n := -1
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if n, _ = total(client, base, q); n == want {
				return
			}
		}
		t.Fatalf("%s: %d hits, want %d: the new index was not taken up\n%s", q, n, want, logs.String())
	}

	// A full rebuild with a new document.
	if err := os.WriteFile(filepath.Join(src, "guoban", "new.md"), []byte("---\ntitle: 关于钛合金材料的复函\ndate: 2021-01-02\n---\n\n钛合金产业链的答复。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("钛合金", 0)
	runOK(t, "index", "-src", src, "-index", dir)
	waitFor("钛合金", 1)

	// An incremental one: a document changed, one added, one removed.
	changed := filepath.Join(src, "reply-miit-2020-2524.md")
	f, err := os.OpenFile(changed, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "\n　　我们将支持量子纠缠通信的研究。")
	f.Close()
	if err := os.WriteFile(filepath.Join(src, "guoban", "added.md"), []byte("---\ntitle: 关于石墨烯的复函\n---\n\n石墨烯材料的答复。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src, "guoban", "new.md")); err != nil {
		t.Fatal(err)
	}
	out := runOK(t, "index", "-src", src, "-index", dir, "-incremental")
	if !strings.Contains(out, "incremental: 1 added, 1 changed, 1 removed, 11 unchanged") {
		t.Errorf("incremental summary: %s", out)
	}
	waitFor("量子纠缠", 1)
	waitFor("石墨烯", 1)
	waitFor("钛合金", 0)
	time.Sleep(100 * time.Millisecond) // searches on the new index too
	close(stop)
	wg.Wait()
	if failures.Load() > 0 || requests.Load() < 10 {
		t.Errorf("%d of %d requests failed during the swaps (first: %v)", failures.Load(), requests.Load(), firstFailure.Load())
	}
	t.Logf("%d requests across two swaps, none failed", requests.Load())

	code, st := getJSON(t, base+"/v1/stats")
	changes, _ := st["changes"].(map[string]any)
	if code != 200 || st["build_kind"] != "incremental" || st["documents"].(float64) != 13 || changes["added"].(float64) != 1 || changes["removed"].(float64) != 1 {
		t.Errorf("stats after the incremental build: %d %v", code, st)
	}
}

// The index command's -status and -compare-jieba, and synonyms and the
// user dictionary recorded with the index and shown by both the command
// and /v1/stats.
func TestIndexStatusAndVersions(t *testing.T) {
	tmp := t.TempDir()
	dict := filepath.Join(tmp, "words.txt")
	syn := filepath.Join(tmp, "syn.txt")
	if err := os.WriteFile(dict, []byte("弹性产能 100 n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(syn, []byte("弹性产能,flexcap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "index")
	out := runOK(t, "index", "-src", replies, "-index", dir, "-user-dict", dict, "-synonyms", syn, "-compare-jieba")
	for _, want := range []string{"indexed 12 documents", "peak memory (RSS): ", "raw jieba: 12 files", "indexing throughput / raw jieba throughput: 0."} {
		if !strings.Contains(out, want) {
			t.Errorf("index output lacks %q:\n%s", want, out)
		}
	}
	status := runOK(t, "index", "-status", "-index", dir)
	for _, want := range []string{"build running: no", "full build", "documents: 12, sections: ", "user dictionary: " + dict, "(" + syn + ")"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	// Incremental with another dictionary: refused, saying why.
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"index", "-src", replies, "-index", dir, "-incremental", "-synonyms", syn}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "full rebuild is needed") || !strings.Contains(err.Error(), dict) {
		t.Errorf("incremental without the dictionary: %v", err)
	}

	_, base := serveIndex(t, dir, api.Options{})
	code, st := getJSON(t, base+"/v1/stats")
	if code != 200 || st["user_dict"] != "words.txt" || st["synonyms_file"] != "syn.txt" || st["build_kind"] != "full" {
		t.Errorf("stats: %d %v", code, st)
	}
	if strings.Contains(fmt.Sprint(st), tmp) {
		t.Errorf("stats show a server path: %v", st)
	}
	// The recorded synonyms expand queries.
	if n, err := total(checkedClient(t), base, "flexcap"); err != nil || n == 0 {
		t.Errorf("recorded synonym flexcap: %d %v", n, err)
	}
}

// kill -9 and Ctrl-C in the middle of a reindex leave the served index
// answering; a second run meanwhile is refused; the next run succeeds and
// removes what the killed one left.
func TestBinaryInterruptedReindex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	bin := buildBinary(t)
	small, err := filepath.Abs(replies)
	if err != nil {
		t.Fatal(err)
	}
	ix := filepath.Join(tmp, "ix")
	if out, err := exec.Command(bin, "index", "-src", small, "-index", ix).CombinedOutput(); err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	// A source big enough to take a few seconds: the sample many times.
	big := filepath.Join(tmp, "big")
	for i := range 60 {
		if err := os.CopyFS(filepath.Join(big, fmt.Sprintf("copy%02d", i)), os.DirFS(small)); err != nil {
			t.Fatal(err)
		}
	}
	answers := func(when string) {
		t.Helper()
		out, err := exec.Command(bin, "search", "-index", ix, "弹性产能").CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^[1-9][0-9]* sections match`).Match(out) || !strings.Contains(string(out), "弹性产能") {
			t.Fatalf("%s: the served index does not answer: %v\n%s", when, err, out)
		}
	}
	// startBuild starts a reindex from big and returns once it is
	// building its new generation.
	startBuild := func() (*exec.Cmd, *lockedBuffer, <-chan error) {
		t.Helper()
		cmd := exec.Command(bin, "index", "-src", big, "-index", ix)
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { errc <- cmd.Wait() }()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			if m, _ := filepath.Glob(filepath.Join(ix, ".building-*", "store", "*.zap")); len(m) > 0 {
				return cmd, out, errc
			}
			select {
			case err := <-errc:
				t.Fatalf("reindex ended before it could be interrupted: %v\n%s", err, out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("reindex did not start:\n%s", out.String())
			}
		}
	}

	cmd, out, errc := startBuild()
	// A second run meanwhile is refused, saying who builds.
	second, err := exec.Command(bin, "index", "-src", small, "-index", ix).CombinedOutput()
	if err == nil || !strings.Contains(string(second), "index is being built") || !strings.Contains(string(second), fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Errorf("second run while one builds: %v\n%s", err, second)
	}
	cmd.Process.Kill() // kill -9
	<-errc
	if m, _ := filepath.Glob(filepath.Join(ix, ".building-*")); len(m) == 0 {
		t.Errorf("kill -9 left no partial build (was it interrupted?):\n%s", out.String())
	}
	answers("after kill -9")
	status, err := exec.Command(bin, "index", "-status", "-index", ix).CombinedOutput()
	if err != nil || !strings.Contains(string(status), "stale: .building-") || !strings.Contains(string(status), "documents: 12,") {
		t.Errorf("status after kill -9: %v\n%s", err, status)
	}

	// The next run succeeds and removes what the killed one left.
	next, err := exec.Command(bin, "index", "-src", small, "-index", ix, "-incremental").CombinedOutput()
	if err != nil || !strings.Contains(string(next), "removed .building-") {
		t.Errorf("run after the killed one: %v\n%s", err, next)
	}
	if m, _ := filepath.Glob(filepath.Join(ix, ".building-*")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
	answers("after the next run")

	// Ctrl-C: the run stops, removes its partial build, and the index
	// is untouched.
	cmd, out, errc = startBuild()
	cmd.Process.Signal(os.Interrupt)
	if err := <-errc; err == nil {
		t.Errorf("interrupted run exited 0:\n%s", out.String())
	}
	if m, _ := filepath.Glob(filepath.Join(ix, ".building-*")); len(m) > 0 {
		t.Errorf("Ctrl-C left %v", m)
	}
	answers("after Ctrl-C")
}
