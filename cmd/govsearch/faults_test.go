package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govsearch/govsearch/api"
	"github.com/govsearch/govsearch/index"
)

// largestZap is the biggest segment file of the generation dir serves.
func largestZap(t *testing.T, dir string) string {
	t.Helper()
	zaps, err := filepath.Glob(filepath.Join(dir, "current", "store", "*.zap"))
	if err != nil || len(zaps) == 0 {
		t.Fatalf("no segment under %s: %v", dir, err)
	}
	size := func(p string) int64 {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	return slices.MaxFunc(zaps, func(a, b string) int { return int(size(a) - size(b)) })
}

// stale lists what builds left in an index folder.
func stale(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".building-") || strings.HasPrefix(e.Name(), ".current-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// searchTotal searches a running server and fails the test unless it
// answers 200 with hits.
func searchTotal(t *testing.T, base string) {
	t.Helper()
	status, body := getJSON(t, base+"/v1/search?q=%E5%B7%A5%E4%B8%9A")
	if status != http.StatusOK || body["total"].(float64) == 0 {
		t.Fatalf("search: %d %v", status, body)
	}
}

// truncateLargestZap cuts the served generation's largest segment in half.
func truncateLargestZap(t *testing.T, dir string) {
	t.Helper()
	z := largestZap(t, dir)
	st, err := os.Stat(z)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(z, st.Size()/2); err != nil {
		t.Fatal(err)
	}
}

// serve refuses a damaged index folder with no intact generation to fall
// back to, saying which file is damaged and which command rebuilds it (a
// dangling current link beside an intact generation is served from that
// one); index -incremental refuses it too, pointing to a full build; index
// (full) rebuilds it, and the result serves.
func TestServeRefusesDamagedIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string)
		names  string // what the error names
	}{
		{"truncated segment", truncateLargestZap, ".zap"},
		{"dangling current link", func(t *testing.T, dir string) {
			link := filepath.Join(dir, "current")
			if err := os.Remove(link); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("gen-gone", link); err != nil {
				t.Fatal(err)
			}
		}, "gen-gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := copyReplies(t)
			abs, err := filepath.Abs(src)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "index")
			runOK(t, "index", "-src", src, "-index", dir)
			tc.damage(t, dir)

			if tc.name == "dangling current link" {
				// The folder's one generation is intact: serve falls
				// back to it, saying why (TestServeFallsBackToIntactGeneration).
				srv, err := startServer(serverConfig{Index: dir, Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatalf("serve with a dangling current link and an intact generation: %v", err)
				}
				if fb := srv.ix.Fallback(); fb == nil || !strings.Contains(fb.Error(), tc.names) {
					t.Errorf("fallback: %v, want it to name %s", fb, tc.names)
				}
				srv.ix.Close()
				srv.ln.Close()
			} else {
				var stderr bytes.Buffer
				err = run(context.Background(), []string{"serve", "-index", dir, "-addr", "127.0.0.1:0", "-watch", "0"}, io.Discard, &stderr)
				if !errors.Is(err, index.ErrCorrupt) {
					t.Fatalf("serve: %v, want %v", err, index.ErrCorrupt)
				}
				var msg bytes.Buffer
				if code := exitCode(err, &msg); code != 1 {
					t.Errorf("exit status %d", code)
				}
				hint := "govsearch index -src " + abs + " -index " + dir
				if !strings.Contains(msg.String(), tc.names) || !strings.Contains(msg.String(), hint) || !strings.Contains(msg.String(), "no older generation") {
					t.Errorf("serve's message %q does not name %q and %q, and that there is nothing to fall back to", msg.String(), tc.names, hint)
				}
			}

			// Something changed in the source, so the incremental run
			// would copy the damaged index and build on it.
			f, err := os.OpenFile(filepath.Join(src, "reply-miit-2020-2524.md"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("\n附：本答复已公开。\n")
			f.Close()
			var out bytes.Buffer
			err = run(context.Background(), []string{"index", "-incremental", "-src", src, "-index", dir}, &out, io.Discard)
			if !errors.Is(err, index.ErrNeedsFullBuild) || !strings.Contains(err.Error(), tc.names) {
				t.Errorf("index -incremental: %v", err)
			}

			runOK(t, "index", "-src", src, "-index", dir)
			_, base := serveIndex(t, dir, api.Options{})
			searchTotal(t, base)
		})
	}
}

// mountTmpfs mounts a tmpfs of size until the test ends, or skips the
// test saying what stands in for it (why).
func mountTmpfs(t *testing.T, size, why string) string {
	t.Helper()
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): %s", err, why)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	return mnt
}

// A build that runs out of disk space (here: a file size limit, and a full
// tmpfs where the test may mount one) fails with an error that says so,
// within seconds, and removes its half-built generation; the index served
// meanwhile stays as it was and answers; the next build succeeds.
func TestIndexOutOfSpace(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) string // returns the folder the index goes in
		limit string                    // sh's ulimit -f, in 512-byte blocks
		want  string
	}{
		{"file size limit", func(t *testing.T) string { return t.TempDir() }, "200", "file too large"},
		{"full tmpfs", func(t *testing.T) string {
			// 900 KB holds one index of the replies (about 600 KB) and
			// not a second beside it.
			return mountTmpfs(t, "900k", "the file size limit stands in for a full disk")
		}, "unlimited", "no space left on device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(tc.setup(t), "index")
			runOK(t, "index", "-src", replies, "-index", dir)
			srv, base := serveIndex(t, dir, api.Options{})
			served := srv.ix.Path()

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			// Go ignores SIGXFSZ, so a write past the limit fails with
			// EFBIG instead of killing the process.
			cmd := exec.CommandContext(ctx, "sh", "-c", `ulimit -f "$3" && exec "$0" index -src "$1" -index "$2"`, bin, replies, dir, tc.limit)
			start := time.Now()
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if ctx.Err() != nil || !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("index out of space: %v after %s (want exit status 1)\n%s", err, time.Since(start).Round(time.Millisecond), out)
			}
			t.Logf("failed after %s: %s", time.Since(start).Round(time.Millisecond), out)
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("the error does not say %q:\n%s", tc.want, out)
			}
			if now, err := os.Readlink(filepath.Join(dir, "current")); err != nil || filepath.Join(dir, now) != served {
				t.Errorf("current is %s (%v), was %s", now, err, served)
			}
			if left := stale(t, dir); len(left) > 0 {
				t.Errorf("the failed build left %v", left)
			}
			searchTotal(t, base)
			if tc.name == "full tmpfs" {
				return // the served generation fills the disk
			}
			// Without the limit the next build succeeds, and is taken up.
			runOK(t, "index", "-src", replies, "-index", dir)
			if swapped, err := srv.ix.Reload(); !swapped || err != nil {
				t.Fatalf("reload after the next build: %v, %v", swapped, err)
			}
			searchTotal(t, base)
		})
	}
}

// soak against a real server: requests go on while it reindexes, the
// table shows its memory and goroutines and the generation change, and
// the verdict passes; against a server that fails requests it fails.
func TestSoakCommand(t *testing.T) {
	src := copyReplies(t)
	dir := filepath.Join(t.TempDir(), "index")
	runOK(t, "index", "-src", src, "-index", dir)
	srv, base := serveIndex(t, dir, api.Options{AdminToken: "T", Build: index.BuildOptions{Source: src}})
	first := filepath.Base(srv.ix.Path())
	var out bytes.Buffer
	err := run(context.Background(), []string{"soak", "-url", base, "-queries", "../../testdata/eval/queries.jsonl", "-admin-token", "T",
		"-c", "2", "-d", "4s", "-reindex-every", "1500ms", "-reindex-mode", "full", "-sample-every", "500ms", "-warm-up", "0"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("soak: %v\n%s", err, out.String())
	}
	rows := regexp.MustCompile(`(?m)^\| [\d.hms]+ \| (\d+) \| (\d+) \| (\d+) \| 0 \| (gen-[\dT.]+) \| `).FindAllStringSubmatch(out.String(), -1)
	if len(rows) < 6 {
		t.Fatalf("soak printed %d rows of samples:\n%s", len(rows), out.String())
	}
	for _, r := range rows {
		if r[1] == "0" || r[2] == "0" {
			t.Errorf("a sample without memory or goroutines: %q", r[0])
		}
	}
	// A reindex started near the end may still run: it is waited for, so
	// that the test ends with nothing writing the index.
	for deadline := time.Now().Add(time.Minute); srv.ix.Rebuild().State == "running" && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if rows[0][4] != first || rows[len(rows)-1][4] == first {
		t.Errorf("generations: first row %s, last row %s; served before %s", rows[0][4], rows[len(rows)-1][4], first)
	}
	for _, want := range []string{"| time | RSS MB | goroutines | requests/s | errors | generation | reindex |", " 0 failed\n", "done full in ", "verdict: PASS: no failed request"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("soak output lacks %q:\n%s", want, out.String())
		}
	}

	// A server whose searches fail: the soak fails, and says why.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			io.WriteString(w, "# TYPE go_goroutines gauge\ngo_goroutines 12\nprocess_resident_memory_bytes 1.048576e+08\n")
			return
		}
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer failing.Close()
	out.Reset()
	err = run(context.Background(), []string{"soak", "-url", failing.URL, "-queries", "../../testdata/eval/queries.jsonl", "-reindex-every", "0",
		"-c", "2", "-d", "1s", "-sample-every", "200ms"}, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "verdict: FAIL") || !strings.Contains(out.String(), "requests failed") || !strings.Contains(out.String(), "| 100 | 12 |") {
		t.Errorf("soak against a failing server: %v\n%s", err, out.String())
	}
	// Reindexing needs the admin token.
	if err := run(context.Background(), []string{"soak", "-url", base, "-queries", "../../testdata/eval/queries.jsonl"}, io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("soak without a token: %v", err)
	}
}

// A segment of the served generation truncated under a running server:
// the searches that meet it answer 503 index_damaged (the server had died
// of SIGBUS), /readyz answers 503 saying why, so a load balancer drains
// it, and the process stays up (/healthz).
func TestServedIndexTruncated(t *testing.T) {
	dir := buildTestIndex(t)
	srv, base := serveIndex(t, dir, api.Options{})
	if code, _ := getJSON(t, base+"/v1/search?q="+url.QueryEscape("弹性产能")); code != 200 {
		t.Fatalf("search before: %d", code)
	}
	segs, _ := filepath.Glob(filepath.Join(srv.ix.Path(), "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segments")
	}
	for _, seg := range segs {
		if err := os.Truncate(seg, 100); err != nil {
			t.Fatal(err)
		}
	}
	damaged := false
	for _, q := range []string{"工业互联网", "卡脖子", "气象", "复函", "国务院", "建议"} {
		code, body := getJSON(t, base+"/v1/search?q="+url.QueryEscape(q))
		e, _ := body["error"].(map[string]any)
		if code == 503 && e["code"] == "index_damaged" {
			damaged = true
			break
		}
		if code != 200 {
			t.Fatalf("search %s: %d %v", q, code, body)
		}
	}
	if !damaged {
		t.Fatal("no search met the damage")
	}
	code, body := getJSON(t, base+"/readyz")
	e, _ := body["error"].(map[string]any)
	if msg, _ := e["message"].(string); code != 503 || !strings.Contains(msg, "damaged") || !strings.Contains(msg, filepath.Base(srv.ix.Path())) || strings.Contains(msg, dir) {
		t.Errorf("/readyz after the damage: %d %v", code, body)
	}
	if code, _ := getJSON(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz after the damage: %d", code)
	}
}

// A server started on a folder whose current generation is damaged serves
// the newest intact one the folder keeps (the previous build), says so as
// an error in its log, and takes up the next good build.
func TestServeFallsBackToIntactGeneration(t *testing.T) {
	src := copyReplies(t)
	dir := filepath.Join(t.TempDir(), "index")
	runOK(t, "index", "-src", src, "-index", dir)
	previous, err := os.Readlink(filepath.Join(dir, "current"))
	if err != nil {
		t.Fatal(err)
	}
	runOK(t, "index", "-src", src, "-index", dir)
	damaged, _ := os.Readlink(filepath.Join(dir, "current"))
	truncateLargestZap(t, dir)
	var log lockedBuffer
	srv, err := startServer(serverConfig{Index: dir, Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatalf("serve on a folder with an intact previous generation: %v", err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	base := "http://" + srv.Addr()
	if got := filepath.Base(srv.ix.Path()); got != filepath.Base(previous) {
		t.Errorf("serving %s, want the previous generation %s (current %s is damaged)", got, filepath.Base(previous), damaged)
	}
	if l := log.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "SERVING AN OLDER INDEX") || !strings.Contains(l, filepath.Base(previous)) || !strings.Contains(l, ".zap") {
		t.Errorf("the log does not say loudly what is served and why:\n%s", l)
	}
	searchTotal(t, base)
	if code, _ := getJSON(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz on the fallback: %d", code)
	}
	// A good build is taken up, and the fallback is over.
	runOK(t, "index", "-src", src, "-index", dir)
	if swapped, err := srv.ix.Reload(); err != nil || !swapped || srv.ix.Fallback() != nil {
		t.Errorf("reload after a good build: swapped %v, %v, fallback %v", swapped, err, srv.ix.Fallback())
	}
	searchTotal(t, base)
}
