package api

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/govsearch/govsearch/index"
)

// do serves one request and returns the recorder.
func do(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return serve(t, h, req)
}

func TestStatsRoute(t *testing.T) {
	code, body := get(t, NewHandler(&fakeSearcher{}, Options{}), "/v1/stats")
	want := map[string]any{"documents": 1.0, "sections": 2.0, "index_bytes": 3.0, "built_at": "2026-11-26T08:00:00Z",
		"build_seconds": 1.5, "variant": "govsearch", "dictionary_version": "d1", "synonyms_version": "s1"}
	if code != 200 {
		t.Fatalf("stats: %d %v", code, body)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("stats[%s] = %v, want %v", k, body[k], v)
		}
	}
}

func TestMetrics(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	do(t, h, "GET", "/v1/search?q=a", nil)
	do(t, h, "GET", "/v1/search?q=a&size=0", nil)
	do(t, h, "GET", "/no/such/path/123", nil)
	do(t, h, "BREW", "/v1/search", nil)
	rec := do(t, h, "GET", "/metrics", nil)
	text := rec.Body.String()
	for _, want := range []string{
		`govsearch_http_requests_total{method="GET",route="/v1/search",status="200"} 1`,
		`govsearch_http_requests_total{method="GET",route="/v1/search",status="400"} 1`,
		`govsearch_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`govsearch_http_requests_total{method="other",route="unmatched",status="405"} 1`,
		`govsearch_http_request_duration_seconds_count{route="/v1/search",status="200"} 1`,
		`govsearch_http_request_duration_seconds_count{route="/v1/search",status="400"} 1`,
		`govsearch_search_duration_seconds_count 1`,
		`govsearch_http_requests_in_flight 1`,
		`govsearch_index_documents 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, "/no/such/path") || strings.Contains(text, "BREW") {
		t.Error("/metrics labels series with raw paths or methods")
	}
}

func TestCORS(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{CORSOrigins: []string{"https://news.example.com"}})
	rec := do(t, h, "GET", "/v1/search?q=a", map[string]string{"Origin": "https://news.example.com"})
	if rec.Header().Get("Access-Control-Allow-Origin") != "https://news.example.com" || !strings.Contains(rec.Header().Get("Vary"), "Origin") {
		t.Errorf("allowed origin: headers %v", rec.Header())
	}
	// A same-origin request sends no Origin; its answer must still vary
	// by it, or a cache hands it to the newsroom's page, which then lacks
	// Access-Control-Allow-Origin (TestBrowserWidgetAfterSameOriginVisit).
	for _, target := range []string{"/v1/search?q=a", "/v1/suggest?q=a", "/widget.js"} {
		if rec := do(t, h, "GET", target, nil); !strings.Contains(rec.Header().Get("Vary"), "Origin") {
			t.Errorf("%s without Origin: Vary %q", target, rec.Header().Get("Vary"))
		}
	}
	rec = do(t, h, "GET", "/v1/search?q=a", map[string]string{"Origin": "https://evil.example"})
	if rec.Header().Get("Access-Control-Allow-Origin") != "" || rec.Code != 200 {
		t.Errorf("other origin: %d, headers %v", rec.Code, rec.Header())
	}
	rec = do(t, h, "OPTIONS", "/v1/search?q=a", map[string]string{"Origin": "https://news.example.com", "Access-Control-Request-Method": "GET"})
	if rec.Code != http.StatusNoContent || !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d, headers %v", rec.Code, rec.Header())
	}
	rec = do(t, h, "OPTIONS", "/v1/search", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
	if rec.Header().Get("Access-Control-Allow-Origin") != "" || rec.Code < 400 {
		t.Errorf("preflight from another origin: %d, headers %v", rec.Code, rec.Header())
	}
	rec = do(t, NewHandler(&fakeSearcher{}, Options{}), "GET", "/v1/search?q=a", map[string]string{"Origin": "https://news.example.com"})
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS allowed with no origins configured")
	}
	rec = do(t, NewHandler(&fakeSearcher{}, Options{CORSOrigins: []string{"*"}}), "GET", "/v1/search?q=a", map[string]string{"Origin": "https://any.example"})
	if rec.Header().Get("Access-Control-Allow-Origin") != "https://any.example" {
		t.Error(`"*" did not allow any origin`)
	}
}

func TestGzip(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	rec := do(t, h, "GET", "/v1/search?q=a", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	var body map[string]any
	if err != nil || json.Unmarshal(b, &body) != nil || body["total"] != 1.0 {
		t.Errorf("gzipped body %q: %v", b, err)
	}
	if rec := do(t, h, "GET", "/v1/search?q=a", nil); rec.Header().Get("Content-Encoding") != "" {
		t.Error("gzip without Accept-Encoding")
	}
}

func TestETag(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	for _, target := range []string{"/v1/search?q=a", "/v1/documents/a%2Fb"} {
		first := do(t, h, "GET", target, nil)
		etag := first.Header().Get("ETag")
		if etag == "" || first.Header().Get("Cache-Control") != "public, max-age=60" {
			t.Fatalf("%s: headers %v", target, first.Header())
		}
		if again := do(t, h, "GET", target, nil); again.Header().Get("ETag") != etag {
			t.Errorf("%s: ETag changed between identical requests: %s, %s", target, etag, again.Header().Get("ETag"))
		}
		for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag} {
			rec := do(t, h, "GET", target, map[string]string{"If-None-Match": inm})
			if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
				t.Errorf("%s If-None-Match %s: %d, %d bytes", target, inm, rec.Code, rec.Body.Len())
			}
		}
		if rec := do(t, h, "GET", target, map[string]string{"If-None-Match": `"other"`}); rec.Code != 200 {
			t.Errorf("%s with a stale ETag: %d", target, rec.Code)
		}
	}
	if a, b := do(t, h, "GET", "/v1/search?q=a", nil), do(t, h, "GET", "/v1/search?q=b", nil); a.Header().Get("ETag") == b.Header().Get("ETag") {
		t.Error("different results share an ETag")
	}
}

func TestRateLimit(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{RateLimit: 0.01, RateBurst: 2})
	from := func(ip string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/v1/search?q=a", nil)
		req.RemoteAddr = ip + ":5555"
		return serve(t, h, req)
	}
	for i := range 2 {
		if rec := from("192.0.2.1"); rec.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, rec.Code)
		}
	}
	rec := from("192.0.2.1")
	var body map[string]map[string]any
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || body["error"]["code"] != "rate_limited" {
		t.Errorf("over the limit: %d, Retry-After %q, %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if rec := from("192.0.2.2"); rec.Code != 200 {
		t.Errorf("another client: %d", rec.Code)
	}
	if rec := do(t, h, "GET", "/healthz", nil); rec.Code != 200 {
		t.Errorf("health checks are rate limited: %d", rec.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	req := httptest.NewRequest("GET", "/v1/search?q=a", strings.NewReader(strings.Repeat("x", maxBodyBytes+1)))
	rec := serve(t, h, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "body_too_large") {
		t.Errorf("oversized body: %d %s", rec.Code, rec.Body)
	}
}

func TestSuggestRoute(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	code, body := get(t, h, "/v1/suggest?q="+url.QueryEscape("工业互")+"&size=1")
	if code != 200 || body["query"] != "工业互" || fmt.Sprint(body["suggestions"]) != "[map[count:7 kind:word text:工业互联网]]" {
		t.Errorf("suggest: %d %v", code, body)
	}
	for query, param := range map[string]string{
		"q=" + strings.Repeat("字", index.MaxSuggestLen+1): "q",
		"q=%FF":       "q",
		"q=a&size=0":  "size",
		"q=a&size=11": "size",
		"q=a&from=1":  "from",
		"q=a&q=b":     "q",
		"q=%zz":       "q",
	} {
		code, body := get(t, h, "/v1/suggest?"+query)
		if e, _ := body["error"].(map[string]any); code != 400 || e["param"] != param {
			t.Errorf("suggest?%s: %d %v, want 400 naming %s", truncate(query, 20), code, body, param)
		}
	}
}

func TestRelatedRoute(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	code, body := get(t, h, "/v1/documents/a%2Fb/related")
	if code != 200 || body["doc_id"] != "a/b" || fmt.Sprint(body["keywords"]) != "[运动会]" {
		t.Fatalf("related: %d %v", code, body)
	}
	rel := body["related"].([]any)
	if len(rel) != 1 || rel[0].(map[string]any)["doc_id"] != "c" || rel[0].(map[string]any)["title_html"] != "另一个" {
		t.Errorf("related = %v", rel)
	}
	for target, want := range map[string]int{
		"/v1/documents/nope/related":      404,
		"/v1/documents/..%2Fx/related":    400,
		"/v1/documents/a%2Fb/related?n=3": 400,
	} {
		if code, body := get(t, h, target); code != want {
			t.Errorf("GET %s: %d %v, want %d", target, code, body, want)
		}
	}
}

// slowSearcher answers only when its context ends.
type slowSearcher struct{ fakeSearcher }

func (s *slowSearcher) Search(ctx context.Context, req index.SearchRequest) (*index.SearchResult, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("search: %w", ctx.Err())
}

func TestSearchTimeout(t *testing.T) {
	h := NewHandler(&slowSearcher{}, Options{SearchTimeout: 50 * time.Millisecond})
	// The searcher returns only when the request's deadline ends it.
	code, body := get(t, h, "/v1/search?q=a")
	if e, _ := body["error"].(map[string]any); code != http.StatusServiceUnavailable || e["code"] != "timeout" {
		t.Errorf("slow search: %d %v", code, body)
	}
}
