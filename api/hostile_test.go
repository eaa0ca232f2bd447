package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/govsearch/govsearch/index"
)

// Requests a hostile client sends, and the answers each must get; the
// end-to-end test over a real listener is cmd/govsearch's
// TestHostileRequests.
func TestHostileParameters(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	for _, tc := range []struct {
		target string
		status int
		param  string
		// message, when set, is part of the error's message.
		message string
	}{
		// A doc_id is decoded once: %25 is a percent sign, %2500 the
		// three characters %00, not a NUL.
		{"/v1/documents/100%25", 404, "", `"100%"`},
		{"/v1/documents/%2500", 404, "", `"%00"`},
		{"/v1/documents/%252e%252e%252f", 404, "", `"%2e%2e%2f"`},
		{"/v1/documents/100%25/related", 404, "", `"100%"`},
		{"/v1/documents/%00", 400, "doc_id", ""},
		// /v1 routes take no parameter they do not know.
		{"/v1/documents/a%2Fb?x=1", 400, "x", ""},
		{"/v1/stats?x=1", 400, "x", ""},
		{"/v1/search?=1", 400, "", "no parameter name"},
		{"/v1/search?q=a;b", 400, "q", "semicolon"},
		{"/v1/search?q=a&x;y=1", 400, "x;y", "semicolon"},
		// Each word of q is a sub-query: 32 at most.
		{"/v1/search?q=" + strings.Repeat("a+", 32), 200, "", ""},
		{"/v1/search?q=" + strings.Repeat("a+", 33), 400, "q", "33 words"},
		{"/v1/search?q=" + strings.Repeat("%E3%80%80a", 33), 400, "q", "33 words"},
	} {
		code, body := get(t, h, tc.target)
		e, _ := body["error"].(map[string]any)
		if code != tc.status || (tc.status >= 400 && (e == nil || e["param"] != nilIfEmpty(tc.param))) ||
			!strings.Contains(fmt.Sprint(e["message"]), tc.message) {
			t.Errorf("GET %.60s: %d %v, want %d naming %q, saying %q", tc.target, code, body, tc.status, tc.param, tc.message)
		}
	}
	// A path no route has is not echoed whole.
	code, body := get(t, h, "/"+strings.Repeat("a", 10000))
	if e, _ := body["error"].(map[string]any); code != 404 || len(fmt.Sprint(e["message"])) > 300 {
		t.Errorf("a 10,000-byte path: %d, message of %d bytes", code, len(fmt.Sprint(e["message"])))
	}
}

// nilIfEmpty is what a decoded error's param is when s is "".
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// The pages check their parameters as the API does.
func TestHostilePageParameters(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	for target, want := range map[string]string{
		// page*10 overflows to 4 for this page; it is refused as a page.
		"/?q=x&page=1844674407370955162": "page:",
		"/?q=x&page=922337203685477581":  "page:",
		"/?q=%ZZ":                        "q: has a malformed",
		"/?q=a;b":                        "semicolon",
		"/d/a%2Fb?q=%ff":                 "q: is not valid UTF-8",
		"/d/a%2Fb?q=%ZZ":                 "q: has a malformed",
		"/d/a%2Fb?q=" + strings.Repeat("字", index.MaxQueryLen+1): "q: is 257 characters long",
	} {
		rec := do(t, h, "GET", target, nil)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %.60s: %d, want 400 saying %q", target, rec.Code, want)
		}
	}
	// A refused query is shown back, but not a megabyte of it.
	rec := do(t, h, "GET", "/?q="+strings.Repeat("a", 100<<10), nil)
	if rec.Code != 400 || rec.Body.Len() > 20<<10 {
		t.Errorf("a 100 KB q: %d, a page of %d bytes", rec.Code, rec.Body.Len())
	}
}

// Domain errors reach a client with the parameter they are about, and
// without text from deep in the index.
func TestHostileErrorText(t *testing.T) {
	for _, tc := range []struct {
		err          error
		status       int
		param, avoid string
	}{
		{fmt.Errorf("%w: the query %q has no searchable words", index.ErrBadQuery, "--"), 400, "q", ""},
		{fmt.Errorf("search /srv/index/gen-1/store: %w", context.DeadlineExceeded), 503, "", "/srv/index"},
		{fmt.Errorf("search /srv/index/gen-1/store: %w", context.Canceled), 499, "", "/srv/index"},
	} {
		h := NewHandler(&fakeSearcher{err: tc.err}, Options{})
		code, body := get(t, h, "/v1/search?q=x")
		e, _ := body["error"].(map[string]any)
		if code != tc.status || e["param"] != nilIfEmpty(tc.param) || (tc.avoid != "" && strings.Contains(fmt.Sprint(e["message"]), tc.avoid)) {
			t.Errorf("%v: %d %v", tc.err, code, body)
		}
	}
}

// timeoutError is a read that ran out of time, as net/http's is.
type timeoutError struct{}

func (timeoutError) Error() string   { return "read tcp 10.0.0.1:8080->192.0.2.1:5555: i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// failingBody gives some bytes, then err.
type failingBody struct {
	sent bool
	err  error
}

func (b *failingBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "---\ntitle: 慢\n"), nil
	}
	return 0, b.err
}

func (b *failingBody) Close() error { return nil }

// A document that stops arriving gets 408 (or 400 when the connection
// broke), and the answer does not hold the read error's text, which names
// the server's address.
func TestHostileBodyReadErrors(t *testing.T) {
	h := NewHandler(&fakeWriter{}, Options{AdminToken: "s3cret"})
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{timeoutError{}, http.StatusRequestTimeout, "request_timeout"},
		{fmt.Errorf("read tcp 10.0.0.1:8080->192.0.2.1:5555: %w", os.ErrClosed), http.StatusBadRequest, "invalid_document"},
	} {
		req := httptest.NewRequest("PUT", "/v1/documents/slow", nil)
		req.Body = &failingBody{err: tc.err}
		req.ContentLength = -1
		req.Header.Set("Authorization", "Bearer s3cret")
		rec := serve(t, h, req)
		var body errorJSON
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tc.status || body.Error.Code != tc.code || strings.Contains(rec.Body.String(), "10.0.0.1") {
			t.Errorf("body failing with %v: %d %s", tc.err, rec.Code, rec.Body)
		}
	}
}

// Header fields beyond MaxHeaderBytes get the API's 431; a client's
// request id is echoed only when short and printable.
func TestHostileHeaders(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	for _, tc := range []struct {
		header map[string]string
		status int
	}{
		{map[string]string{"X-Big": strings.Repeat("x", MaxHeaderBytes)}, http.StatusRequestHeaderFieldsTooLarge},
		{map[string]string{"X-Big": strings.Repeat("x", MaxHeaderBytes-100)}, http.StatusOK},
	} {
		rec := do(t, h, "GET", "/v1/search?q=x", tc.header)
		if rec.Code != tc.status || (tc.status != 200 && !strings.Contains(rec.Body.String(), `"code":"header_too_large"`)) {
			t.Errorf("header of %d bytes: %d %.200s", len(tc.header["X-Big"]), rec.Code, rec.Body)
		}
	}
	req := httptest.NewRequest("GET", "/healthz", nil)
	for i := range 1000 {
		req.Header.Set(fmt.Sprintf("X-H%d", i), strings.Repeat("x", 16))
	}
	rec := serve(t, h, req)
	if rec.Code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("1,000 headers: %d", rec.Code)
	}
	for id, kept := range map[string]bool{
		"abc-123":                   true,
		strings.Repeat("a", 64):     true,
		strings.Repeat("a", 65):     false,
		"a b":                       false,
		"a\x7fb":                    false,
		"\u00e9":                    false,
		"<script>alert(1)</script>": true, // printable: a header, never HTML
	} {
		rec := do(t, h, "GET", "/healthz", map[string]string{"X-Request-Id": id})
		if got := rec.Header().Get("X-Request-Id"); (got == id) != kept || got == "" {
			t.Errorf("X-Request-Id %q: answered with %q, kept %v", id, got, kept)
		}
	}
}
