package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govsearch/govsearch/index"
)

// fakeWriter is a fakeSearcher that also takes writes.
type fakeWriter struct {
	fakeSearcher
	put     []*index.Reply
	deleted []string
}

func (f *fakeWriter) Put(ctx context.Context, r *index.Reply) (bool, error) {
	f.put = append(f.put, r)
	return r.DocID != "a/b", nil
}

func (f *fakeWriter) Delete(ctx context.Context, id string) error {
	if id != "a/b" {
		return fmt.Errorf("delete %q: %w", id, index.ErrNotFound)
	}
	f.deleted = append(f.deleted, id)
	return nil
}

func send(t *testing.T, h http.Handler, method, target, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return serve(t, h, req)
}

const newDoc = "---\ntitle: 关于钛合金的答复\ntags: [新材料]\n---\n\n一、关于钛合金\n\n钛合金。\n"

func TestAdminRoutes(t *testing.T) {
	f := &fakeWriter{}
	h := NewHandler(f, Options{AdminToken: "s3cret"})
	rec := send(t, h, "PUT", "/v1/documents/new%2Fone", "s3cret", newDoc)
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"created":true`) || len(f.put) != 1 ||
		f.put[0].DocID != "new/one" || f.put[0].Title != "关于钛合金的答复" {
		t.Fatalf("PUT new: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, h, "PUT", "/v1/documents/a%2Fb", "s3cret", newDoc); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"created":false`) {
		t.Errorf("PUT replace: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, h, "DELETE", "/v1/documents/a%2Fb", "s3cret", ""); rec.Code != 200 || len(f.deleted) != 1 {
		t.Errorf("DELETE: %d %s", rec.Code, rec.Body)
	}
	for _, tt := range []struct {
		method, target, token, body string
		status                      int
		code                        string
	}{
		{"DELETE", "/v1/documents/nope", "s3cret", "", 404, "not_found"},
		{"PUT", "/v1/documents/x", "", newDoc, 401, "unauthorized"},
		{"PUT", "/v1/documents/x", "wrong", newDoc, 403, "forbidden"},
		{"DELETE", "/v1/documents/a%2Fb", "", "", 401, "unauthorized"},
		{"PUT", "/v1/documents/..%2Fx", "s3cret", newDoc, 400, "invalid_parameter"},
		{"PUT", "/v1/documents/x", "s3cret", "---\ntitle: [unclosed\n---\ntext\n", 400, "invalid_document"},
		{"PUT", "/v1/documents/x", "s3cret", "   \n", 400, "invalid_document"},
		{"PUT", "/v1/documents/x", "s3cret", "a\xffb", 400, "invalid_document"},
		{"PUT", "/v1/documents/x", "s3cret", strings.Repeat("字", maxDocumentBytes/3+1), 413, "body_too_large"},
	} {
		rec := send(t, h, tt.method, tt.target, tt.token, tt.body)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), `"code":"`+tt.code+`"`) {
			t.Errorf("%s %s (token %q): %d %.200s, want %d %s", tt.method, tt.target, tt.token, rec.Code, rec.Body, tt.status, tt.code)
		}
	}
	// The front matter error names the line.
	rec = send(t, h, "PUT", "/v1/documents/x", "s3cret", "---\ntitle: a\ntags: [unclosed\n---\ntext\n")
	if !strings.Contains(rec.Body.String(), "body of PUT /v1/documents/x:") {
		t.Errorf("invalid front matter: %s", rec.Body)
	}
	if rec := send(t, h, "PUT", "/v1/documents/x", "", newDoc); rec.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

// Wrong admin tokens are slowed, per client and from everyone together;
// the right token is never refused for them, not even from the address
// that sent them (a newsroom's proxy or NAT is one address for many).
func TestAdminTokenGuessingIsLimited(t *testing.T) {
	h := NewHandler(&fakeWriter{}, Options{AdminToken: "s3cret", WrongTokenWait: 20 * time.Millisecond})
	var codes []int
	for range 7 {
		codes = append(codes, send(t, h, "DELETE", "/v1/documents/a%2Fb", "guess", "").Code)
	}
	if fmt.Sprint(codes) != "[403 403 403 403 403 429 429]" {
		t.Errorf("wrong tokens answered %v", codes)
	}
	rec := send(t, h, "DELETE", "/v1/documents/a%2Fb", "guess", "")
	if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); rec.Code != 429 || err != nil || secs < 1 || secs > 10 {
		t.Errorf("a wrong token past the allowance: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	for i := range 29 {
		if rec := send(t, h, "DELETE", "/v1/documents/a%2Fb", "s3cret", ""); rec.Code != http.StatusOK {
			t.Fatalf("the right token from the same address, try %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	// A wrong token past the allowance is answered only after the wait.
	start := time.Now()
	send(t, h, "DELETE", "/v1/documents/a%2Fb", "guess", "")
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("a wrong token past the allowance was answered after %s, before the 20 ms wait", d)
	}
}

// 180 addresses guessing five times each: once the wrong tokens of all
// of them pass the common allowance they get 429, and the right token
// still gets through, from any of them.
func TestAdminTokenGuessingFromManyAddresses(t *testing.T) {
	h := NewHandler(&fakeWriter{}, Options{AdminToken: "s3cret", WrongTokenWait: time.Millisecond})
	from := func(addr, token string) int {
		req := httptest.NewRequest("DELETE", "/v1/documents/a%2Fb", nil)
		req.RemoteAddr = addr + ":40000"
		req.Header.Set("Authorization", "Bearer "+token)
		return serve(t, h, req).Code
	}
	counts := map[int]int{}
	for i := range 180 {
		for range 5 {
			counts[from(fmt.Sprintf("10.9.%d.%d", i/250, i%250+1), "guess")]++
		}
	}
	if counts[429] < 800 || counts[403] > 100 || counts[403]+counts[429] != 900 {
		t.Errorf("900 wrong tokens from 180 addresses answered %v: the common allowance is 50", counts)
	}
	for _, addr := range []string{"10.9.0.1", "10.9.0.179", "192.0.2.1"} {
		if code := from(addr, "s3cret"); code != http.StatusOK {
			t.Errorf("the right token from %s during the guessing: %d", addr, code)
		}
	}
}

func TestAdminRoutesNeedAToken(t *testing.T) {
	for _, h := range []http.Handler{NewHandler(&fakeWriter{}, Options{}), NewHandler(&fakeSearcher{}, Options{AdminToken: "s3cret"})} {
		for _, method := range []string{"PUT", "DELETE"} {
			if rec := send(t, h, method, "/v1/documents/a%2Fb", "s3cret", newDoc); rec.Code != 404 {
				t.Errorf("%s without admin: %d %s", method, rec.Code, rec.Body)
			}
		}
	}
}

// fakeRebuilder is a fakeWriter that also rebuilds.
type fakeRebuilder struct {
	fakeWriter
	started []index.BuildOptions
	busy    bool
	swaps   int
}

func (f *fakeRebuilder) StartRebuild(opts index.BuildOptions, log func(string, ...any)) error {
	if f.busy {
		return fmt.Errorf("rebuild: %w", index.ErrBusy)
	}
	f.started = append(f.started, opts)
	f.busy = true
	return nil
}

func (f *fakeRebuilder) Rebuild() index.RebuildStatus {
	if f.busy {
		return index.RebuildStatus{State: "running", FilesDone: 3, Files: 12}
	}
	return index.RebuildStatus{State: "idle"}
}

func (f *fakeRebuilder) Reload() (bool, error) { f.swaps++; return f.swaps == 1, nil }
func (f *fakeRebuilder) Path() string          { return "/data/gen-1" }

func TestReindexRoutes(t *testing.T) {
	f := &fakeRebuilder{}
	h := NewHandler(f, Options{AdminToken: "s3cret", Build: index.BuildOptions{Source: "/src", UserDict: "词 5"}})
	if rec := send(t, h, "GET", "/v1/admin/reindex", "s3cret", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"state":"idle"`) {
		t.Errorf("status before: %d %s", rec.Code, rec.Body)
	}
	rec := send(t, h, "POST", "/v1/admin/reindex", "s3cret", "")
	if rec.Code != http.StatusAccepted || len(f.started) != 1 || f.started[0].Source != "/src" || f.started[0].UserDict != "词 5" ||
		!strings.Contains(rec.Body.String(), `"state":"running"`) {
		t.Fatalf("start: %d %s %+v", rec.Code, rec.Body, f.started)
	}
	if rec := send(t, h, "POST", "/v1/admin/reindex", "s3cret", ""); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `"busy"`) {
		t.Errorf("second start: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, h, "GET", "/v1/admin/reindex", "s3cret", ""); !strings.Contains(rec.Body.String(), `"files_done":3,"files":12`) {
		t.Errorf("progress: %s", rec.Body)
	}
	for _, method := range []string{"GET", "POST"} {
		if rec := send(t, h, method, "/v1/admin/reindex", "", ""); rec.Code != 401 {
			t.Errorf("%s reindex without a token: %d", method, rec.Code)
		}
	}
	if rec := send(t, h, "POST", "/v1/admin/reload", "s3cret", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"swapped":true`) {
		t.Errorf("reload: %d %s", rec.Code, rec.Body)
	}
	// The answers name the generation, never a server path; unknown
	// parameters are refused, as on every other route.
	for _, target := range []string{"GET /v1/admin/reindex", "POST /v1/admin/reload"} {
		method, path, _ := strings.Cut(target, " ")
		rec := send(t, h, method, path, "s3cret", "")
		if !strings.Contains(rec.Body.String(), `"index":"gen-1"`) || strings.Contains(rec.Body.String(), "/data") {
			t.Errorf("%s: %s, want the generation's name alone", target, rec.Body)
		}
		rec = send(t, h, method, path+"?force=1", "s3cret", "")
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"param":"force"`) {
			t.Errorf("%s?force=1: %d %s", target, rec.Code, rec.Body)
		}
	}
	// The mode is each request's own: an incremental one leaves the next
	// (full by default) full.
	for i, mode := range []string{"?mode=incremental", "", "?mode=full", "?mode=incremental"} {
		f.busy = false
		if rec := send(t, h, "POST", "/v1/admin/reindex"+mode, "s3cret", ""); rec.Code != http.StatusAccepted {
			t.Fatalf("start %q: %d %s", mode, rec.Code, rec.Body)
		}
		if got, want := f.started[len(f.started)-1].Incremental, mode == "?mode=incremental"; got != want {
			t.Errorf("start %d (%q): incremental %v, want %v", i, mode, got, want)
		}
	}
	noSrc := NewHandler(&fakeRebuilder{}, Options{AdminToken: "s3cret"})
	if rec := send(t, noSrc, "POST", "/v1/admin/reindex", "s3cret", ""); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "no_source") {
		t.Errorf("reindex without -src: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, NewHandler(&fakeRebuilder{}, Options{}), "POST", "/v1/admin/reindex", "s3cret", ""); rec.Code != 404 {
		t.Errorf("reindex without an admin token configured: %d", rec.Code)
	}
}

// fullDiskWriter refuses every write as Live does on a full disk.
type fullDiskWriter struct{ fakeSearcher }

func (f *fullDiskWriter) Put(ctx context.Context, r *index.Reply) (bool, error) {
	return false, fmt.Errorf("record put %q in the write journal: %w: write /data/index/writes/x.json.tmp: no space left on device", r.DocID, index.ErrNoSpace)
}

func (f *fullDiskWriter) Delete(ctx context.Context, id string) error {
	return fmt.Errorf("delete %q: %w: no space left on device", id, index.ErrNoSpace)
}

// A write refused for want of disk space is a 507 insufficient_storage, as
// the contract documents, saying nothing changed and naming no server path.
func TestAdminWriteOnFullDisk(t *testing.T) {
	h := NewHandler(&fullDiskWriter{}, Options{AdminToken: "s3cret"})
	for _, method := range []string{"PUT", "DELETE"} {
		rec := send(t, h, method, "/v1/documents/a%2Fb", "s3cret", newDoc)
		body := rec.Body.String()
		if rec.Code != http.StatusInsufficientStorage || !strings.Contains(body, `"code":"insufficient_storage"`) ||
			!strings.Contains(body, "nothing changed") || strings.Contains(body, "/data/index") {
			t.Errorf("%s on a full disk: %d %s", method, rec.Code, body)
		}
	}
}
