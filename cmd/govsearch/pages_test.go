package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/govsearch/govsearch/api"
)

func get(t *testing.T, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// The pages over a real listener, without a browser: what they answer to
// good and bad requests, and that document text never becomes markup.
func TestPagesOverHTTP(t *testing.T) {
	_, base := serveIndex(t, browserIndex(t), api.Options{})
	for _, tc := range []struct {
		path   string
		status int
		has    []string
	}{
		{"/", 200, []string{`<form class="search" action="/"`, `href="/embed"`}},
		{"/?q=" + url.QueryEscape("弹性产能"), 200, []string{"<mark>弹性产能</mark>", `href="/d/reply-miit-2020-2524?q=`, "#s-", `href="/?q=`}},
		{"/?q=" + url.QueryEscape("国务院") + "&page=2", 200, []string{`rel="prev"`, `aria-current="page">2<`}},
		{"/?q=" + url.QueryEscape("国务院") + "&year=1996", 200, []string{"年份：1996", "1996-"}},
		{"/?q=x&page=0", 400, []string{"page:", "role=\"alert\""}},
		{"/?q=x&year=abc", 400, []string{"year:"}},
		{"/?q=" + url.QueryEscape(strings.Repeat("长", 300)), 400, []string{"q: is 300 characters long"}},
		{"/?q=%ff", 400, []string{"not valid UTF-8"}},
		{"/d/reply-miit-2020-2524?q=" + url.QueryEscape("弹性产能"), 200, []string{`<span id="s1"></span>`, "<mark>弹性产能</mark>"}},
		{"/d/guoban/govcn-5345413", 200, []string{`<span id="s0"></span>`, `<section id="s-`}},
		{"/d/nope", 404, []string{"没有这份文件"}},
		{"/d/a/%2e%2e/b", 400, []string{"doc_id"}},
		{"/embed", 200, []string{"&lt;govsearch-box endpoint=&#34;" + base, "/widget.js?v="}},
	} {
		resp, body := get(t, base+tc.path)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.path, ct)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", tc.path, csp)
		}
		for _, want := range tc.has {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q", tc.path, want)
			}
		}
		if strings.Contains(body, "<script>") || regexp.MustCompile(`<script[^>]*>[^<]`).MatchString(body) {
			t.Errorf("%s: inline script in the page", tc.path)
		}
	}

	// The hostile document: its markup is text wherever it appears.
	for _, path := range []string{"/?q=" + url.QueryEscape("恶意脚本测试"), "/d/hostile?q=" + url.QueryEscape("恶意")} {
		_, body := get(t, base+path)
		if !strings.Contains(body, "标题") {
			t.Fatalf("%s: the hostile document is not shown", path)
		}
		for _, bad := range []string{"<img", "onerror=\"", "<script>window", "<b>标签"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: document text became markup: %q", path, bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror=") {
			t.Errorf("%s: the hostile title is not shown escaped", path)
		}
	}

	// The widget: small, cacheable, revalidated by its ETag, HEAD too.
	resp, js := get(t, base+"/widget.js")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || etag == "" ||
		resp.Header.Get("Cache-Control") != "public, max-age=3600" || !strings.Contains(js, `customElements.define("govsearch-box"`) {
		t.Fatalf("widget.js: %d %v", resp.StatusCode, resp.Header)
	}
	if len(js) >= 20<<10 {
		t.Errorf("widget.js is %d bytes, the budget is 20 KB", len(js))
	}
	if resp, body := get(t, base+"/widget.js", "If-None-Match", etag); resp.StatusCode != 304 || body != "" {
		t.Errorf("widget.js with its ETag: %d", resp.StatusCode)
	}
	version := strings.Trim(etag, `"`)
	if resp, _ := get(t, base+"/widget.js?v="+version); !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("widget.js?v=%s: Cache-Control %q", version, resp.Header.Get("Cache-Control"))
	}
	head, err := http.Head(base + "/widget.js")
	if err != nil || head.StatusCode != 200 {
		t.Errorf("HEAD /widget.js: %v %v", head, err)
	}
}
