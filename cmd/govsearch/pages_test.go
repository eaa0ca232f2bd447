package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/govsearch/govsearch/api"
)

// get fetches u, with the given header fields (name, value, ...), from the
// real listener, and checks the response against the contract.
func get(t *testing.T, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := contract(t).Transport(t, nil).RoundTrip(req)
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
		// A document whose words are in different sections, with a link
		// to the section holding the word its best one lacks.
		{"/?q=" + url.QueryEscape("弹性产能 卡脖子"), 200, []string{`<div class="meta matched">其余的词在：<a href="/d/reply-miit-2020-2524?q=`, `#s-4114a203">三、关于从“世界工厂”向“中国工艺”的转变</a>（卡脖子）`}},
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
	head, err := checkedClient(t).Head(base + "/widget.js")
	if err != nil || head.StatusCode != 200 {
		t.Errorf("HEAD /widget.js: %v %v", head, err)
	}
}

// The search page's head (a heading, a description, an icon that is
// there), how long a search took, and each reading offered both ways: 只看
// applies it through the page's ordinary filter parameters and drops the
// part from q; ✕ quotes the part.
func TestPagesReadingsAndHead(t *testing.T) {
	_, base := serveIndex(t, buildTestIndex(t), api.Options{})
	for _, path := range []string{"/", "/?q=" + url.QueryEscape("弹性产能"), "/d/reply-miit-2020-2524", "/embed"} {
		_, body := get(t, base+path)
		for _, re := range []string{`<meta name="description" content="[^"]{10,}">`, `<link rel="icon" href="/favicon.ico\?v=[0-9a-f]+"`} {
			if !regexp.MustCompile(re).MatchString(body) {
				t.Errorf("%s: no %s", path, re)
			}
		}
		if n := strings.Count(body, "<h1"); n != 1 {
			t.Errorf("%s: %d <h1>, want 1", path, n)
		}
	}
	_, body := get(t, base+"/?q="+url.QueryEscape("弹性产能"))
	if !regexp.MustCompile(`找到 \d+ 篇文件，用时 (&lt;1|[1-9]\d*) ms`).MatchString(body) {
		t.Errorf("the search page does not say how long the search took in ms:\n%s", regexp.MustCompile(`<p class="status"[^\n]*`).FindString(body))
	}

	hrefs := func(body, class string) []url.Values {
		var out []url.Values
		for _, m := range regexp.MustCompile(`<a class="`+class+`" href="([^"]+)"`).FindAllStringSubmatch(body, -1) {
			u, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil || u.Path != "/" {
				t.Fatalf("link %q: %v", m[1], err)
			}
			out = append(out, u.Query())
		}
		return out
	}
	for _, tc := range []struct {
		q     string
		only  []url.Values // each reading's 只看
		typed []string     // each reading's ✕: q with the part quoted
		shown string       // the filter in force after the first 只看
	}{
		{"十三届三次 提案 集成电路",
			[]url.Values{{"q": {"提案 集成电路"}, "term": {"13"}, "session": {"3"}}, {"q": {"十三届三次 集成电路"}, "kind": {"提案答复"}}},
			[]string{"“十三届三次” 提案 集成电路", "十三届三次 “提案” 集成电路"}, "届次：13届3次"},
		{"张连起委员", []url.Values{{"addressee": {"张连起"}}}, []string{"“张连起委员”"}, "答复对象：张连起"},
		{"2020年以来 5G", []url.Values{{"q": {"5G"}, "since": {"2020-01-01"}}}, []string{"“2020年以来” 5G"}, "日期：2020-01-01 以来"},
		{"工信部 5G", []url.Values{{"q": {"5G"}, "issuer": {"工业和信息化部"}}}, []string{"“工信部” 5G"}, "发文机关：工业和信息化部"},
	} {
		_, body := get(t, base+"/?q="+url.QueryEscape(tc.q))
		only := hrefs(body, "only")
		if fmt.Sprint(only) != fmt.Sprint(tc.only) {
			t.Errorf("%s: 只看 links %v, want %v", tc.q, only, tc.only)
		}
		var typed []string
		for _, v := range hrefs(body, "as-typed") {
			typed = append(typed, v.Get("q"))
		}
		if fmt.Sprint(typed) != fmt.Sprint(tc.typed) {
			t.Errorf("%s: ✕ links search %q, want %q", tc.q, typed, tc.typed)
		}
		if len(only) == 0 {
			continue
		}
		// Following 只看: the filter is in force and shown, found
		// documents and all.
		resp, filtered := get(t, base+"/?"+only[0].Encode())
		if resp.StatusCode != 200 || !strings.Contains(filtered, ">"+tc.shown+" ✕</a>") || !strings.Contains(filtered, `<ol class="hits">`+"\n<li>") {
			t.Errorf("%s: 只看 /?%s: %d, no filter %q or no hits", tc.q, only[0].Encode(), resp.StatusCode, tc.shown)
		}
	}

	// The icon: an ICO of PNG images, as browsers ask for it.
	resp, ico := get(t, base+"/favicon.ico")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/vnd.microsoft.icon" || resp.Header.Get("ETag") == "" {
		t.Fatalf("/favicon.ico: %d %v", resp.StatusCode, resp.Header)
	}
	checkICO(t, []byte(ico))
	if resp, _ := get(t, base+"/favicon.ico", "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != 304 {
		t.Errorf("/favicon.ico with its ETag: %d", resp.StatusCode)
	}
}

// checkICO checks that b is an icon file (ICONDIR, then its entries) whose
// images are PNG files of the sizes the entries give.
func checkICO(t *testing.T, b []byte) {
	t.Helper()
	if len(b) < 6 || binary.LittleEndian.Uint16(b) != 0 || binary.LittleEndian.Uint16(b[2:]) != 1 {
		t.Fatalf("not an icon file: % x", b[:min(len(b), 6)])
	}
	n := int(binary.LittleEndian.Uint16(b[4:]))
	if n == 0 || len(b) < 6+16*n {
		t.Fatalf("icon file of %d bytes with %d images", len(b), n)
	}
	for i := range n {
		e := b[6+16*i:]
		size, offset := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		if uint64(offset)+uint64(size) > uint64(len(b)) {
			t.Fatalf("image %d at %d+%d is past the file's %d bytes", i, offset, size, len(b))
		}
		img, err := png.Decode(bytes.NewReader(b[offset : offset+size]))
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != int(e[0]) || h != int(e[1]) {
			t.Errorf("image %d is %d×%d, its entry says %d×%d", i, w, h, e[0], e[1])
		}
	}
}
