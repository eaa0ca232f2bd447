package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govsearch/govsearch/api"
	"github.com/govsearch/govsearch/index"
)

const replies = "../../testdata/replies"

// buildTestIndex runs `govsearch index` over the bundled replies.
func buildTestIndex(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "index")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"index", "-src", replies, "-index", dir}, &stdout, &stderr); err != nil {
		t.Fatalf("index: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "indexed 12 documents") {
		t.Errorf("index summary: %q", stdout.String())
	}
	return dir
}

// buildBinary builds govsearch, with any extra go build flags, into a
// folder of its own and returns its path.
func buildBinary(t *testing.T, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bin", "govsearch")
	args := append(append([]string{"build"}, flags...), "-o", bin, ".")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveIndex serves the index in dir on a real listener until the test
// ends, and returns the server and its base URL.
func serveIndex(t *testing.T, dir string, opts api.Options) (*server, string) {
	t.Helper()
	srv, err := startServer(serverConfig{Index: dir, Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), API: opts})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv, "http://" + srv.Addr()
}

// getJSON fetches a URL from the real listener, checks the response
// against the contract and decodes its JSON body.
func getJSON(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	resp, err := checkedClient(t).Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: status %d, body not JSON: %v", u, resp.StatusCode, err)
	}
	return resp.StatusCode, body
}

func TestEndToEnd(t *testing.T) {
	dir := buildTestIndex(t)
	srv, base := serveIndex(t, dir, api.Options{})
	// Slow or stalled clients are bounded by all four server timeouts.
	if h := srv.http; h.ReadHeaderTimeout <= 0 || h.ReadTimeout <= 0 || h.WriteTimeout <= 0 || h.IdleTimeout <= 0 || h.MaxHeaderBytes <= 0 {
		t.Errorf("server timeouts and limits: %v %v %v %v %d", h.ReadHeaderTimeout, h.ReadTimeout, h.WriteTimeout, h.IdleTimeout, h.MaxHeaderBytes)
	}

	for q, want := range map[string]string{"弹性产能": "reply-miit-2020-2524#1", "工业互联网": "reply-miit-2020-2524#2", "卡脖子": "reply-miit-2020-2524#3"} {
		code, body := getJSON(t, base+"/v1/search?q="+url.QueryEscape(q))
		if code != 200 {
			t.Fatalf("search %s: %d %v", q, code, body)
		}
		hits := body["hits"].([]any)
		if len(hits) == 0 || hits[0].(map[string]any)["id"] != want {
			t.Errorf("search %s: hits %v, want %s first", q, hits, want)
			continue
		}
		if s := hits[0].(map[string]any)["snippet"].(string); !strings.Contains(s, "<mark>") && q != "弹性产能" {
			t.Errorf("search %s: snippet %q has no mark", q, s)
		}
	}

	code, body := getJSON(t, base+"/v1/documents/"+url.PathEscape("guoban/govcn-5351586"))
	if code != 200 || body["title"] != "国务院办公厅对全国政协十届三次会议第2741号提案的答复" {
		t.Errorf("document: %d %v", code, body)
	}
	if code, body := getJSON(t, base+"/v1/documents/missing"); code != 404 || body["error"] == nil {
		t.Errorf("missing document: %d %v", code, body)
	}
	if code, body := getJSON(t, base+"/v1/search?q=a&size=1000"); code != 400 || !strings.Contains(fmt.Sprint(body), "size") {
		t.Errorf("size=1000: %d %v", code, body)
	}
	if code, body := getJSON(t, base+"/healthz"); code != 200 || body["status"] != "ok" {
		t.Errorf("healthz: %d %v", code, body)
	}
	// The rest of the API over the real index.
	if code, body := getJSON(t, base+"/readyz"); code != 200 || body["status"] != "ready" {
		t.Errorf("readyz: %d %v", code, body)
	}
	if code, body := getJSON(t, base+"/v1/stats"); code != 200 || body["documents"] != 12.0 || body["sections"].(float64) < 12 {
		t.Errorf("stats: %d %v", code, body)
	}
	code, body = getJSON(t, base+"/v1/search?q="+url.QueryEscape("运动会")+"&collapse=doc&facets=tags,year&sort=-date")
	if hits, _ := body["hits"].([]any); code != 200 || body["total"] != 2.0 || len(hits) != 2 ||
		hits[0].(map[string]any)["date"] != "2004-12-17T00:00:00+08:00" || hits[0].(map[string]any)["more_sections"] == nil ||
		!strings.Contains(fmt.Sprint(body["facets"]), "map[count:2 value:运动会]") {
		t.Errorf("collapsed search with facets: %d %v", code, body)
	}
	// Reply data: filters, facets, hits and documents.
	code, body = getJSON(t, base+"/v1/search?addressee="+url.QueryEscape("张连起")+"&facets=ministry,kind,session&collapse=doc")
	if hits, _ := body["hits"].([]any); code != 200 || body["total"] != 1.0 || len(hits) != 1 ||
		fmt.Sprint(hits[0].(map[string]any)["reply"].(map[string]any)["proposal_no"]) != "2524" ||
		!strings.Contains(fmt.Sprint(body["facets"]), "map[count:1 value:13届3次]") {
		t.Errorf("search by addressee: %d %v", code, body)
	}
	code, body = getJSON(t, base+"/v1/search?kind="+url.QueryEscape("建议答复")+"&term=10&session=4&collapse=doc")
	if code != 200 || body["total"] != 3.0 {
		t.Errorf("suggestions of the 10th NPC's 4th session: %d %v", code, body)
	}
	if code, body := getJSON(t, base+"/v1/documents/reply-miit-2020-2524"); code != 200 ||
		fmt.Sprint(body["reply"].(map[string]any)["addressee"]) != "[张连起]" {
		t.Errorf("document reply data: %d %v", code, body["reply"])
	}
	// The command line's -json is the API's body (on a second build of the
	// same replies: the server holds the first one's lock).
	var cli bytes.Buffer
	if err := run(context.Background(), []string{"search", "-index", buildTestIndex(t), "-json", "-n", "3", "卡脖子"}, &cli, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, api := getJSON(t, base+"/v1/search?q="+url.QueryEscape("卡脖子")+"&size=3")
	var fromCLI map[string]any
	if err := json.Unmarshal(cli.Bytes(), &fromCLI); err != nil {
		t.Fatalf("search -json: %v\n%s", err, cli.String())
	}
	delete(fromCLI, "took_ms")
	delete(api, "took_ms")
	if a, b := fmt.Sprint(fromCLI), fmt.Sprint(api); a != b || !strings.Contains(a, "reply") {
		t.Errorf("search -json and the API differ:\n%s\n%s", a, b)
	}
	if code, body := getJSON(t, base+"/v1/suggest?q="+url.QueryEscape("工业互")); code != 200 ||
		!strings.Contains(fmt.Sprint(body["suggestions"]), "工业互联网") {
		t.Errorf("suggest: %d %v", code, body)
	}
	if code, body := getJSON(t, base+"/v1/documents/"+url.PathEscape("guoban/govcn-5351573")+"/related"); code != 200 ||
		!strings.HasPrefix(fmt.Sprint(body["related"]), "[map[") || !strings.Contains(fmt.Sprint(body["related"]), "guoban/govcn-5351624") {
		t.Errorf("related: %d %v", code, body)
	}
	if resp, err := checkedClient(t).Get(base + "/metrics"); err != nil || resp.StatusCode != 200 {
		t.Errorf("metrics: %v %v", resp, err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `govsearch_index_documents 12`) || !strings.Contains(string(b), `route="/v1/search"`) {
			t.Errorf("metrics lack the index's documents or the search route:\n%.2000s", b)
		}
	}
	if err := run(context.Background(), []string{"health", "-url", base + "/healthz"}, io.Discard, io.Discard); err != nil {
		t.Errorf("health against a live server: %v", err)
	}
	if err := run(context.Background(), []string{"health", "-url", base + "/v1/nothing"}, io.Discard, io.Discard); err == nil {
		t.Errorf("health against a 404: no error")
	}

	// Requests no client library would send, written on the raw socket.
	for _, raw := range []string{
		"GET /v1/documents/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /v1/search?q=%ZZ HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /v1/documents/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		status := rawStatus(t, srv.Addr(), raw)
		if status < 400 || status >= 500 {
			t.Errorf("%q: status %d, want 4xx", raw, status)
		}
	}
}

// rawStatus writes req on a new connection and returns the status of the
// answer, which it checks against the contract. A request http.ReadRequest
// cannot read, net/http refuses before any handler, with a plain-text 400
// the contract does not cover: it is not checked.
func rawStatus(t *testing.T, addr, req string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, req)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%q: body: %v", req, err)
	}
	if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader(req))); err == nil {
		reportRaw(t, req, resp.StatusCode, resp.Header, body)
	}
	return resp.StatusCode
}

func TestSearchCommand(t *testing.T) {
	dir := buildTestIndex(t)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"search", "-index", dir, "-n", "3", "卡脖子"}, &stdout, &stderr); err != nil {
		t.Fatalf("search: %v %s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"三、关于从“世界工厂”向“中国工艺”的转变", "【卡脖子】", "reply-miit-2020-2524#3", "2020-11-07"} {
		if !strings.Contains(out, want) {
			t.Errorf("search output lacks %q:\n%s", want, out)
		}
	}

	stdout.Reset()
	if err := run(context.Background(), []string{"search", "-index", dir, "-json", "工业互联网"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Total int
		Hits  []struct {
			ID      string
			Snippet string
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || res.Total == 0 || res.Hits[0].ID != "reply-miit-2020-2524#2" {
		t.Errorf("search -json: %v %+v\n%s", err, res, stdout.String())
	}
}

func TestIndexCommandReportsSkippedFiles(t *testing.T) {
	src := t.TempDir()
	good, err := os.ReadFile(filepath.Join(replies, "reply-miit-2020-2524.md"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "good.md"), good, 0o644)
	os.WriteFile(filepath.Join(src, "broken.md"), []byte("---\ntitle: [unclosed\n---\n正文\n"), 0o644)
	gbk, err := os.ReadFile(filepath.Join(replies, "..", "bad", "gbk.md"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "gbk.md"), gbk, 0o644)
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"index", "-src", src, "-index", filepath.Join(t.TempDir(), "ix")}, &stdout, &stderr)
	if !errors.Is(err, errSkipped) || exitCode(err, io.Discard) != 1 {
		t.Errorf("index with a broken file: err %v, want errSkipped and exit 1", err)
	}
	out := stdout.String()
	if !strings.Contains(out, "indexed 2 documents") || !regexp.MustCompile(`broken\.md:\d+: invalid front matter`).MatchString(out) {
		t.Errorf("summary does not report the broken file with its line:\n%s", out)
	}
	if !strings.Contains(out, "read 1 files not in UTF-8") || !strings.Contains(out, "gbk.md (GB18030)") {
		t.Errorf("summary does not list the transcoded file:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"index"}, {"search", "-index", "x"}, {"index", "-src", "a", "-index", "b", "-bogus"}} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if exitCode(err, io.Discard) != 2 {
			t.Errorf("govsearch %v: err %v, want a usage error (exit 2)", args, err)
		}
	}
	if err := run(context.Background(), []string{"search", "-h"}, io.Discard, io.Discard); exitCode(err, io.Discard) != 0 {
		t.Errorf("search -h: %v", err)
	}
	err := run(context.Background(), []string{"search", "-index", t.TempDir(), "词"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "govsearch index") {
		t.Errorf("search on an empty folder: %v, want a hint to build an index", err)
	}
}

func TestAnalyzeCommand(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"analyze", "长江大桥建成"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`长江大桥\s+0\s+12\s+1\n`).MatchString(stdout.String()) ||
		!regexp.MustCompile(`建成\s+12\s+18\s+2\n`).MatchString(stdout.String()) {
		t.Errorf("analyze output:\n%s", stdout.String())
	}
}

// lockedBuffer is a bytes.Buffer safe to read while a command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServing starts cmd, a govsearch serve, with its logs captured, and
// waits until it serves: its address, its exit and its logs.
func startServing(t *testing.T, cmd *exec.Cmd) (string, <-chan error, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A test that stops before it stops the server leaves no process.
	t.Cleanup(func() { cmd.Process.Kill() })
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait() }()
	return waitServing(t, logs, errc), errc, logs
}

var servingRE = regexp.MustCompile(`addr=http://(127\.0\.0\.1:\d+)`)

// waitServing waits until a serve command logs its address.
func waitServing(t *testing.T, logs *lockedBuffer, errc <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if m := servingRE.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-errc:
			t.Fatalf("serve exited: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", logs.String())
	return ""
}

// serve with no index flags serves the sample built into the binary, and
// shuts down cleanly when its context ends.
func TestServeBuiltInSample(t *testing.T) {
	t.Setenv("GOVSEARCH_CACHE_DIR", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0"}, io.Discard, logs) }()
	addr := waitServing(t, logs, errc)
	code, body := getJSON(t, "http://"+addr+"/v1/search?q="+url.QueryEscape("卡脖子"))
	if code != 200 || body["total"].(float64) < 1 {
		t.Errorf("sample search: %d %v", code, body)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// serve -src builds the index first when -index holds none.
func TestServeBuildsFromSource(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &lockedBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-index", dir, "-src", replies}, io.Discard, logs)
	}()
	addr := waitServing(t, logs, errc)
	if code, body := getJSON(t, "http://"+addr+"/v1/documents/reply-miit-2020-2524"); code != 200 || len(body["sections"].([]any)) != 8 {
		t.Errorf("document: %d %v", code, body)
	}
	cancel()
	<-errc
	// A busy port is an error at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = run(context.Background(), []string{"serve", "-addr", ln.Addr().String(), "-index", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("serve on a busy port: %v", err)
	}
}

// The binary runs from an empty folder on a machine without the Go module
// cache, which is how it runs in a container: the dictionaries and the
// sample travel inside it.
func TestBinaryRunsFromEmptyFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	// -trimpath, as in the Dockerfile: gojieba's own idea of where its
	// dictionaries are (its source folder) then points nowhere.
	bin := buildBinary(t, "-trimpath")
	empty := filepath.Join(tmp, "empty")
	os.Mkdir(empty, 0o755)
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + empty}

	cmd := exec.Command(bin, "analyze", "弹性产能")
	cmd.Dir, cmd.Env = empty, env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "弹性产能") {
		t.Fatalf("analyze from an empty folder: %v\n%s", err, out)
	}

	cmd = exec.Command(bin, "serve", "-addr", "127.0.0.1:0")
	cmd.Dir, cmd.Env = empty, env
	addr, errc, logs := startServing(t, cmd)
	code, body := getJSON(t, "http://"+addr+"/v1/search?q="+url.QueryEscape("工业互联网"))
	if code != 200 || body["total"].(float64) < 1 {
		t.Errorf("search: %d %v", code, body)
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve exited with %v after SIGINT\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not stop on SIGINT")
	}
}

func TestUserDictFlag(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "words.txt")
	os.WriteFile(good, []byte("# 新词\n新质生产力 1000 n\n"), 0o644)
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"analyze", "-user-dict", good, "发展新质生产力"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`新质生产力\s+6\s+21\s+2\n`).MatchString(stdout.String()) {
		t.Errorf("analyze with a user dictionary:\n%s", stdout.String())
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("好词\n坏 词 -3 n\n"), 0o644)
	err := run(context.Background(), []string{"analyze", "-user-dict", bad, "文本"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), bad+":2:") {
		t.Errorf("bad user dictionary: %v, want an error naming %s:2", err, bad)
	}
}

func TestSynonymsFlag(t *testing.T) {
	dir := buildTestIndex(t)
	syn := filepath.Join(t.TempDir(), "syn.txt")
	os.WriteFile(syn, []byte("智造升级, 中国智造\n"), 0o644)
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"search", "-index", dir, "-synonyms", syn, "-n", "1", "智造升级"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Only the heading of section 二 says 中国智造; nothing says 智造升级.
	if !strings.Contains(stdout.String(), "1 sections match") || !strings.Contains(stdout.String(), "reply-miit-2020-2524#2") {
		t.Errorf("search with a synonyms file:\n%s", stdout.String())
	}
	os.WriteFile(syn, []byte("孤零零\n"), 0o644)
	err := run(context.Background(), []string{"search", "-index", dir, "-synonyms", syn, "词"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), syn+":1:") {
		t.Errorf("bad synonyms file: %v", err)
	}
}

func TestBenchCommand(t *testing.T) {
	dir := buildTestIndex(t)
	_, base := serveIndex(t, dir, api.Options{})
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "-url", base, "-queries", "../../testdata/eval/queries.jsonl", "-c", "4", "-d", "1s"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, want := range []string{"4 clients for 1s", "requests/s, 0 errors", "| search |", "| suggest |", "| search collapse+facets |", "| search since, by date |", "| all |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench output lacks %q:\n%s", want, out.String())
		}
	}
	if m := regexp.MustCompile(`: (\d+) requests, `).FindStringSubmatch(out.String()); m == nil || m[1] == "0" {
		t.Errorf("bench sent no requests:\n%s", out.String())
	}

	// A server that refuses most requests: the failures are counted and
	// the command fails.
	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusTooManyRequests)
	}))
	defer limited.Close()
	out.Reset()
	err = run(context.Background(), []string{"bench", "-url", limited.URL, "-queries", "../../testdata/eval/queries.jsonl", "-c", "2", "-d", "300ms"}, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "429 Too Many Requests") {
		t.Errorf("bench against failing server: %v\n%s", err, out.String())
	}
}

func TestAdminEndToEnd(t *testing.T) {
	dir := buildTestIndex(t)
	srv, base := serveIndex(t, dir, api.Options{AdminToken: "s3cret", Build: index.BuildOptions{Source: replies}})
	do := func(method, path, token, body string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := checkedClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	doc := "---\ntitle: 关于钛合金材料的答复\n---\n\n一、关于钛合金\n\n钛合金产业链。\n"
	if code := do("PUT", "/v1/documents/new%2Fti", "wrong", doc); code != 403 {
		t.Errorf("PUT with a wrong token: %d", code)
	}
	if code := do("PUT", "/v1/documents/new%2Fti", "s3cret", doc); code != 201 {
		t.Fatalf("PUT: %d", code)
	}
	code, body := getJSON(t, base+"/v1/search?q="+url.QueryEscape("钛合金"))
	if hits, _ := body["hits"].([]any); code != 200 || len(hits) == 0 || hits[0].(map[string]any)["doc_id"] != "new/ti" {
		t.Errorf("search after PUT: %d %v", code, body)
	}
	if code := do("DELETE", "/v1/documents/new%2Fti", "s3cret", ""); code != 200 {
		t.Errorf("DELETE: %d", code)
	}
	if code, _ := getJSON(t, base+"/v1/documents/new%2Fti"); code != 404 {
		t.Errorf("document after DELETE: %d", code)
	}

	// Reindex from the source in the background; the new index is served
	// when it is complete.
	before := srv.ix.Path()
	if code := do("POST", "/v1/admin/reindex", "s3cret", ""); code != 202 {
		t.Fatalf("POST reindex: %d", code)
	}
	var status map[string]any
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest("GET", base+"/v1/admin/reindex", nil)
		req.Header.Set("Authorization", "Bearer s3cret")
		resp, err := checkedClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		status = nil
		json.NewDecoder(resp.Body).Decode(&status)
		resp.Body.Close()
		if status["state"] != "running" {
			break
		}
	}
	if status["state"] != "done" || status["documents"] != 12.0 || srv.ix.Path() == before || status["index"] != filepath.Base(srv.ix.Path()) {
		t.Errorf("reindex: %v; serving %s, before %s", status, srv.ix.Path(), before)
	}
	if code, body := getJSON(t, base+"/v1/search?q="+url.QueryEscape("弹性产能")); code != 200 || body["total"].(float64) == 0 {
		t.Errorf("search after reindex: %d %v", code, body)
	}

	// An index built by the command line is taken up by a reload.
	before = srv.ix.Path()
	if err := run(context.Background(), []string{"index", "-src", replies, "-index", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if code := do("POST", "/v1/admin/reload", "s3cret", ""); code != 200 || srv.ix.Path() == before {
		t.Errorf("reload: %d, serving %s (before %s)", code, srv.ix.Path(), before)
	}
	if code, body := getJSON(t, base+"/v1/search?q="+url.QueryEscape("弹性产能")); code != 200 || body["total"].(float64) == 0 {
		t.Errorf("search after reload: %d %v", code, body)
	}
}

// Shutdown lets requests in flight finish, then refuses new ones.
func TestGracefulShutdown(t *testing.T) {
	dir := buildTestIndex(t)
	srv, err := startServer(serverConfig{Index: dir, Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	inner := srv.http.Handler
	started := make(chan struct{})
	srv.http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond) // a slow search
		inner.ServeHTTP(w, r)
	})
	go srv.Serve()
	base := "http://" + srv.Addr()
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := checkedClient(t).Get(base + "/v1/search?q=" + url.QueryEscape("弹性产能"))
		if err != nil {
			done <- result{0, err}
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, nil}
	}()
	<-started
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if r := <-done; r.err != nil || r.code != 200 {
		t.Errorf("request in flight at shutdown: %d %v", r.code, r.err)
	}
	if _, err := checkedClient(t).Get(base + "/healthz"); err == nil {
		t.Error("a request after shutdown was served")
	}
}

// A document put through the API survives kill -9 of the server, and
// SIGHUP makes a running server take up an index rebuilt beside it, which
// keeps the document put (the write journal).
func TestBinaryDurabilityAndSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	bin := buildBinary(t)
	src, err := filepath.Abs(copyReplies(t))
	if err != nil {
		t.Fatal(err)
	}
	ix := filepath.Join(tmp, "ix")
	if out, err := exec.Command(bin, "index", "-src", src, "-index", ix).CombinedOutput(); err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	start := func() (*exec.Cmd, string, <-chan error) {
		cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-index", ix, "-watch", "0") // SIGHUP alone swaps
		cmd.Env = append(os.Environ(), "GOVSEARCH_ADMIN_TOKEN=s3cret")
		addr, errc, _ := startServing(t, cmd)
		return cmd, "http://" + addr, errc
	}
	cmd, base, errc := start()
	req, _ := http.NewRequest("PUT", base+"/v1/documents/new%2Fti", strings.NewReader("---\ntitle: 关于钛合金材料的答复\n---\n\n钛合金产业链。\n"))
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := checkedClient(t).Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("PUT: %v %v", resp, err)
	}
	resp.Body.Close()
	cmd.Process.Kill() // kill -9, right after the 2xx
	<-errc

	cmd, base, errc = start()
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		<-errc
	}()
	if code, body := getJSON(t, base+"/v1/documents/new%2Fti"); code != 200 || body["title"] != "关于钛合金材料的答复" {
		t.Fatalf("document after kill -9: %d %v", code, body)
	}
	// Rebuild from the source (which lacks the put document, and has one
	// more file to tell the new index by) and signal.
	if err := os.WriteFile(filepath.Join(src, "guoban", "sighup.md"), []byte("---\ntitle: 关于信号的复函\n---\n\n信号。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "index", "-src", src, "-index", ix).CombinedOutput(); err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	code := 0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code, _ = getJSON(t, base+"/v1/documents/guoban%2Fsighup"); code == 200 {
			break
		}
	}
	if code != 200 {
		t.Errorf("after rebuild and SIGHUP the new source file is not served (%d): the new index was not taken up", code)
	}
	if code, body := getJSON(t, base+"/v1/documents/new%2Fti"); code != 200 || body["title"] != "关于钛合金材料的答复" {
		t.Errorf("after rebuild and SIGHUP the put document is not served: %d %v", code, body)
	}
	if code, body := getJSON(t, base+"/v1/search?q="+url.QueryEscape("弹性产能")); code != 200 || body["total"].(float64) == 0 {
		t.Errorf("search after SIGHUP: %d %v", code, body)
	}
}

// attack against a real server: both of the reader's runs are reported,
// with their ratio and what the attackers got, none of which failed; a
// server that fails costly queries fails the command.
func TestAttackCommand(t *testing.T) {
	dir := buildTestIndex(t)
	_, base := serveIndex(t, dir, api.Options{})
	var out bytes.Buffer
	err := run(context.Background(), []string{"attack", "-url", base, "-queries", "../../testdata/eval/queries.jsonl", "-attackers", "3"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("attack: %v\n%s", err, out.String())
	}
	rows := regexp.MustCompile(`(?m)^\| (alone|with 3 attackers) \| (\d+) \| 0 \| `).FindAllStringSubmatch(out.String(), -1)
	if len(rows) != 2 || rows[0][2] == "0" || rows[1][2] == "0" {
		t.Errorf("attack did not report two runs of the reader's requests:\n%s", out.String())
	}
	if !regexp.MustCompile(`reader p99 with attackers / alone: \d+\.\d\d\n`).MatchString(out.String()) ||
		!regexp.MustCompile(`attackers' answers: (200|400|429) ×\d+`).MatchString(out.String()) {
		t.Errorf("attack output lacks the ratio or the attackers' answers:\n%s", out.String())
	}

	// Costly queries (eight parts or more) fail here; the reader's do not.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(strings.Fields(r.URL.Query().Get("q"))) >= 8 {
			http.Error(w, "no", http.StatusServiceUnavailable)
		}
	}))
	defer failing.Close()
	out.Reset()
	err = run(context.Background(), []string{"attack", "-url", failing.URL, "-queries", "../../testdata/eval/queries.jsonl", "-attackers", "2"}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "answered 503") {
		t.Errorf("attack against a server failing costly queries: %v\n%s", err, out.String())
	}
}
