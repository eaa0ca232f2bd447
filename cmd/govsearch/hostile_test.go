package main

// Requests from the open internet, over a real listener: a generated set
// of malformed requests against every route, slow and greedy clients,
// guessing of the admin token, and documents whose text tries to become
// markup. Every request is written on a raw socket, so that it can be
// anything a client can send, not only what net/http's client would.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govsearch/govsearch/api"
	"github.com/govsearch/govsearch/index"
)

// hostileCase is one request of the malformed set and what it must get.
type hostileCase struct {
	name   string // what it tries, for failure messages
	route  string // the route it aims at, for the latency table
	method string
	raw    string // the request as written on the socket
	// want is the status class (2 or 4), or the exact status (100 and up).
	want int
	// json: an error must be the API's JSON error; param, when set, the
	// parameter it names ("*" for any).
	json  bool
	param string
	// netHTTP: net/http refuses the request before any handler runs and
	// answers in plain text, which no handler can change.
	netHTTP bool
}

// hostileResult is what the server answered to a raw request.
type hostileResult struct {
	status int
	header http.Header
	body   []byte
	// took is the time to the end of the response, head the time to its
	// status line and headers.
	took, head time.Duration
	// err is set when no response came, bodyErr when its body broke off.
	err, bodyErr error
}

// hostileSend writes raw on a new connection and reads one response.
func hostileSend(addr, method, raw string, timeout time.Duration) hostileResult {
	return hostileSendFrom("", addr, method, raw, timeout)
}

// hostileSendFrom is hostileSend from the local IP address from (any of
// 127.0.0.0/8 is this machine), as another client; "" for any.
func hostileSendFrom(from, addr, method, raw string, timeout time.Duration) hostileResult {
	start := time.Now()
	d := net.Dialer{Timeout: timeout}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return hostileResult{err: err}
	}
	defer c.Close()
	c.SetDeadline(start.Add(timeout))
	// Written beside the read: the server may answer (431, 413) before it
	// has read the whole request.
	go io.WriteString(c, raw)
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		return hostileResult{err: fmt.Errorf("no response (dropped connection?): %w", err), took: time.Since(start)}
	}
	head := time.Since(start)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return hostileResult{status: resp.StatusCode, header: resp.Header, body: body, took: time.Since(start), head: head, bodyErr: err}
}

// reportHostile fails t, without stopping it, if res, the answer to raw,
// breaks the contract; no answer, or one broken off, is not checked.
func reportHostile(t testing.TB, raw string, res hostileResult) {
	t.Helper()
	if res.err == nil && res.bodyErr == nil {
		reportRaw(t, raw, res.status, res.header, res.body)
	}
}

// hostileReq is a request with a Host and Connection: close, the given
// header lines, and body.
func hostileReq(method, target, body string, headers ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: govsearch.test\r\nConnection: close\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.String()
}

// serveHostile serves dir on a real listener with the given limits and
// options until the test ends; its logs go to logs.
func serveHostile(t *testing.T, dir string, cfg serverConfig, logs io.Writer) *server {
	t.Helper()
	cfg.Index, cfg.Addr = dir, "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	srv, err := startServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

// hostileForbidden are what no response body may hold: internal error
// text and server paths.
var hostileForbidden = []string{"/tmp", ".go:", "goroutine", "panic", "runtime error", "internal error"}

// Invalid UTF-8, percent-encoded: a lone continuation byte, truncated and
// overlong sequences, a surrogate, beyond U+10FFFF, a 5-byte form.
var invalidUTF8 = []string{"%ff", "%fe%ff", "%c3%28", "%a0%a1", "%e2%28%a1", "%e2%82%28", "%f0%28%8c%bc",
	"%f0%90%28%bc", "%c0%af", "%ed%a0%80", "%f4%90%80%80", "%f8%88%80%80%80", "%e4%b8%ad%ff%e6%96%87", "ab%80"}

// badInts are not whole numbers, or not ones any parameter takes.
var badInts = []string{"-1", "-9223372036854775808", "9223372036854775808", "99999999999999999999999", "1e3", "0x10",
	"1.5", "%201", "1%20", "abc", "NaN", "%d9%a1", "1_000", "++1", "--1", "0b1", "%ef%bc%91", "1844674407370955162"}

// invalidUTF8Raw is invalidUTF8 as raw bytes in the request line.
func invalidUTF8Raw() []string {
	var out []string
	for _, v := range invalidUTF8 {
		raw, err := url.PathUnescape(v)
		if err != nil {
			panic(err)
		}
		out = append(out, raw)
	}
	return out
}

// hostileCases generates the malformed set.
func hostileCases() []hostileCase {
	var cases []hostileCase
	add := func(c hostileCase) {
		if c.method == "" {
			c.method = "GET"
		}
		cases = append(cases, c)
	}
	// get adds a GET of target; JSON routes answer errors in JSON.
	get := func(route, target string, want int, param string) {
		page := route == "/" || route == "/d/{doc_id}" || route == "/embed" || route == "/widget.js"
		add(hostileCase{name: "GET " + target, route: route, raw: hostileReq("GET", target, ""), want: want, json: !page, param: param})
	}
	const doc = "reply-miit-2020-2524"
	bad := append(slices.Clone(invalidUTF8), invalidUTF8Raw()...)

	// Invalid UTF-8 in every parameter of every route that takes one.
	searchParamNames := []string{"q", "from", "size", "sort", "collapse", "facets", "since", "until", "tag", "category",
		"publisher", "addressee", "ministry", "kind", "term", "session", "proposal_no"}
	for _, v := range bad {
		for _, p := range searchParamNames {
			get("/v1/search", "/v1/search?q=x&"+p+"="+v, 400, p)
		}
		// q=x above is given twice for p=q: once more alone.
		get("/v1/search", "/v1/search?q="+v, 400, "q")
		get("/v1/suggest", "/v1/suggest?q="+v, 400, "q")
		get("/v1/suggest", "/v1/suggest?q=x&size="+v, 400, "size")
		for _, p := range []string{"q", "tag", "category", "page", "year"} {
			get("/", "/?"+p+"="+v, 400, "")
		}
		get("/d/{doc_id}", "/d/"+doc+"?q="+v, 400, "")
		get("/v1/documents/{doc_id}", "/v1/documents/"+v, 400, "doc_id")
		get("/v1/documents/{doc_id}/related", "/v1/documents/"+v+"/related", 400, "doc_id")
		get("/d/{doc_id}", "/d/"+v, 400, "")
		get("/d/{doc_id}", "/d/guoban/"+v, 400, "")
	}
	// Unknown parameters with invalid names, on every /v1 route.
	for _, v := range invalidUTF8 {
		for _, target := range []string{"/v1/search?q=x&", "/v1/suggest?q=x&", "/v1/documents/" + doc + "?", "/v1/documents/" + doc + "/related?", "/v1/stats?"} {
			route := strings.NewReplacer(doc, "{doc_id}", "?q=x&", "", "?", "").Replace(target)
			get(route, target+v+"=1", 400, "*")
		}
	}

	// Numbers: not numbers, negative, overflowing, out of range.
	for _, v := range badInts {
		for _, p := range []string{"from", "size", "term", "session", "proposal_no"} {
			get("/v1/search", "/v1/search?q=x&"+p+"="+v, 400, p)
		}
		get("/v1/suggest", "/v1/suggest?q=x&size="+v, 400, "size")
		get("/", "/?q=x&page="+v, 400, "")
		get("/", "/?q=x&year="+v, 400, "")
	}
	for target, want := range map[string]int{
		"from=0&size=100": 200, "from=9990&size=10": 200, "from=9991&size=10": 400, "from=10000": 400, "size=101": 400,
		"size=0": 400, "size=%2B5": 200, "from=00000": 200, "term=0": 400, "term=100": 400, "session=100": 400,
		"proposal_no=1073741825": 400, "term=13&session=3&proposal_no=2524": 200,
	} {
		param := ""
		if want == 400 {
			param = strings.Split(target, "=")[0]
		}
		get("/v1/search", "/v1/search?q=x&"+target, want, param)
	}
	for target, want := range map[string]int{"page=1000": 200, "page=1001": 400, "page=0": 400, "year=999": 400, "year=10000": 400, "year=2020": 200} {
		get("/", "/?q=x&"+target, want, "")
	}
	get("/v1/suggest", "/v1/suggest?q=x&size=11", 400, "size")
	get("/v1/suggest", "/v1/suggest?q=x&size=10", 200, "")

	// Dates, filters and enumerations.
	for _, v := range []string{"2020-13-01", "2020-02-30", "0999-01-01", "10000-01-01", "2020%2F01%2F01", "20200101", "2020-1-1",
		"yesterday", "2020-01-01T00:00:00Z", "-2020-01-01", "2020-01-01%20", "%00"} {
		get("/v1/search", "/v1/search?q=x&since="+v, 400, "since")
		get("/v1/search", "/v1/search?q=x&until="+v, 400, "until")
	}
	get("/v1/search", "/v1/search?q=x&since=2021-01-01&until=2020-01-01", 400, "until")
	get("/v1/search", "/v1/search?q=x&since=2020-01-01&until=2020-01-01", 200, "")
	for _, p := range []string{"tag", "category", "publisher", "addressee", "ministry", "kind"} {
		for _, v := range []string{"", "%20%20", "%e3%80%80", strings.Repeat("a", 101), strings.Repeat("字", 101)} {
			get("/v1/search", "/v1/search?q=x&"+p+"="+v, 400, p)
		}
		get("/v1/search", "/v1/search?q=x"+strings.Repeat("&"+p+"=a", index.MaxFilterValues+1), 400, p)
		get("/v1/search", "/v1/search?q=x"+strings.Repeat("&"+p+"=a", index.MaxFilterValues), 200, "")
		for _, v := range []string{"%3Cscript%3E", "%22%27", strings.Repeat("字", 100), "a%2Cb", "%2e%2e%2f"} {
			get("/v1/search", "/v1/search?q=x&"+p+"="+v, 200, "")
		}
	}
	for _, p := range []string{"tag", "category"} {
		get("/", "/?q=x&"+p+"=", 400, "")
		get("/", "/?q=x&"+p+"="+strings.Repeat("a", 101), 400, "")
		get("/", "/?q=x"+strings.Repeat("&"+p+"=a", index.MaxFilterValues+1), 400, "")
	}
	for p, values := range map[string][]string{
		"sort":     {"bogus", "DATE", "%2Bdate", "--date", "relevance%00", strings.Repeat("x", 1000)},
		"collapse": {"1", "true", "DOC", "doc%20", "docs"},
		"facets":   {"bogus", "tags,", "%2C", "tags,,year", "TAGS", "tags,bogus", strings.Repeat("tags,", 1000)},
	} {
		for _, v := range values {
			get("/v1/search", "/v1/search?q=x&"+p+"="+v, 400, p)
		}
	}
	for _, v := range []string{"sort=date", "sort=-date", "sort=relevance", "collapse=doc", "facets=tags,categories,year,publisher,ministry,kind,session", "facets=tags,tags"} {
		get("/v1/search", "/v1/search?q=x&"+v, 200, "")
	}

	// Unknown and repeated parameters; malformed escapes and separators.
	// The pages take links with other parameters (utm_source=…), but not
	// malformed ones (true).
	for v, malformed := range map[string]bool{"qq=1": false, "Q=1": false, "q%5B%5D=1": false, "callback=x": false,
		"from%5B0%5D=1": false, "_=1": false, "=1": false, "%00=1": false, "a%3Db=1": false, "q%00=1": false,
		strings.Repeat("k", 1000) + "=1": false, "%ZZ=1": true, "a=%ZZ": true, "a=%": true, "a=%2": true, "q=a;b": true, "q=a%3Bb&x;y=1": true} {
		param := "*"
		if v == "=1" {
			param = "" // a value with no name: there is no name to give
		}
		for _, route := range []string{"/v1/search", "/v1/suggest", "/v1/documents/{doc_id}", "/v1/documents/{doc_id}/related", "/v1/stats"} {
			target := strings.Replace(route, "{doc_id}", doc, 1) + "?" + v
			get(route, target, 400, param)
		}
		want := 200
		if malformed {
			want = 400
		}
		get("/", "/?"+v, want, "")
		get("/d/{doc_id}", "/d/"+doc+"?"+v, want, "")
		get("/embed", "/embed?"+v, 200, "")
		get("/widget.js", "/widget.js?"+v, 200, "")
		get("/healthz", "/healthz?"+v, 200, "")
	}
	for v, param := range map[string]string{"q=a&q=b": "q", "q=x&size=1&size=2": "size", "q=x&from=1&from=1": "from",
		"q=x&sort=date&sort=date": "sort", "q=x&since=2020-01-01&since=2020-01-01": "since"} {
		get("/v1/search", "/v1/search?"+v, 400, param)
	}
	get("/v1/suggest", "/v1/suggest?q=a&q=b", 400, "q")
	get("/v1/search", "/v1/search?q", 200, "")
	get("/v1/search", "/v1/search?q=", 200, "")
	get("/v1/search", "/v1/search?&&&q=x&&&", 200, "")
	get("/v1/search", "/v1/search?q=a#fragment", 200, "")

	// Queries: long, many ORs, odd quoting and characters.
	long := strings.Repeat("a", 100<<10)
	get("/v1/search", "/v1/search?q="+long, 400, "q")
	get("/v1/suggest", "/v1/suggest?q="+long, 400, "q")
	get("/", "/?q="+long, 400, "")
	get("/d/{doc_id}", "/d/"+doc+"?q="+long, 400, "")
	rawLong := strings.Repeat("字", 100<<10/3) // 100 KB of raw UTF-8
	get("/v1/search", "/v1/search?q="+rawLong, 400, "q")
	ors := strings.TrimSuffix(strings.Repeat("a+OR+", 10000), "+OR+")
	get("/v1/search", "/v1/search?q="+ors, 400, "q")
	get("/", "/?q="+ors, 400, "")
	get("/v1/search", "/v1/search?q="+strings.Repeat("x", index.MaxQueryLen+1), 400, "q")
	get("/v1/search", "/v1/search?q="+strings.Repeat("x", index.MaxQueryLen), 200, "")
	get("/v1/suggest", "/v1/suggest?q="+strings.Repeat("x", index.MaxSuggestLen+1), 400, "q")
	// The most a query can ask: as many words as it may have (32, counted
	// at spaces), or as many characters (MaxQueryLen), of ORs, parts,
	// one-character parts (prefix queries), phrases and exclusions.
	repeatTo := func(unit string, words, chars int) string {
		q := ""
		for next := unit; utf8.RuneCountInString(strings.TrimSpace(next)) <= chars && len(strings.Fields(next)) <= words; next += unit {
			q = next
		}
		return url.QueryEscape(strings.TrimSpace(q))
	}
	for _, unit := range []string{"a OR ", "工 OR ", "工 ", "工业 ", `"工业" `, "工业 -互联 ", "互联网 OR 工业 ", "a ", `"`, "“", "「", "一二三四五六七八九十 "} {
		within, over := repeatTo(unit, 32, index.MaxQueryLen), repeatTo(unit, 1000, index.MaxQueryLen)
		want, param := 200, ""
		if unit == `"` {
			want, param = 400, "q" // empty phrases: nothing to search for
		}
		get("/v1/search", "/v1/search?q="+within, want, param)
		get("/v1/search", "/v1/search?q="+within+"&collapse=doc&facets=tags,categories,year,publisher,ministry,kind,session", want, param)
		get("/", "/?q="+within, want, "")
		get("/d/{doc_id}", "/d/"+doc+"?q="+within, 200, "")
		if over != within {
			get("/v1/search", "/v1/search?q="+over, 400, "q")
			get("/", "/?q="+over, 400, "")
			// The document page only marks the words: no limit on them.
			get("/d/{doc_id}", "/d/"+doc+"?q="+over, 200, "")
		}
	}
	for q, want := range map[string]int{
		`"工业`: 200, `“工业`: 200, `「工业`: 200, `工业"`: 200, `"工业 "互联网" 发展"`: 200, `「a「b」」`: 200, `"""`: 400, `"`: 400,
		`""`: 400, `-"工业"`: 400, `-工业`: 400, `-工业 -互联网`: 400, `--`: 400, `-`: 200, `OR`: 200, `OR OR`: 200, `a OR`: 200, `OR a`: 200,
		`a OR OR b`: 200, `a -OR b`: 200, `*`: 200, `?`: 200, `\`: 200, "\x00": 200, "\x01\x02\x1f\x7f": 200, "😀👨‍👩‍👧": 200,
		"\u202e工业": 200, "\ufeff工业": 200, "工业\u3000互联网": 200, "\u2028\u2029": 200, `<script>alert(1)</script>`: 200,
		`' OR 1=1 --`: 200, `${jndi:ldap://x}`: 200, `{{.}}`: 200, `%s%n%x`: 200, `../../etc/passwd`: 200, "工业\t\n\r互联网": 200,
		"   ": 200, "　": 200, `a AND b`: 200, `a NOT b`: 200, `+a +b`: 200, `a^2`: 200, `a~2`: 200, `field:value`: 200, `/regex.*/`: 200,
	} {
		param := ""
		if want == 400 {
			param = "q"
		}
		get("/v1/search", "/v1/search?q="+url.QueryEscape(q), want, param)
		pageWant := want
		if strings.TrimSpace(q) == "" {
			pageWant = 200
		}
		get("/", "/?q="+url.QueryEscape(q), pageWant, "")
		get("/d/{doc_id}", "/d/"+doc+"?q="+url.QueryEscape(q), 200, "")
		get("/v1/suggest", "/v1/suggest?q="+url.QueryEscape(q), 200, "")
	}

	// doc_id path tricks, on the API, the page and the admin routes.
	for _, id := range []string{"..", "%2e%2e", "%2E%2E", ".", "%2e", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"%2Fetc%2Fpasswd", "%2F", "a%2F..%2Fb", "a%2F.%2Fb", "a%2F%2Fb", "a%2F", "%5C..%5Cwindows", "..%5C..%5Cwin.ini",
		"C:%5Cwindows%5Cwin.ini", "%00", "a%00b", "a%00", "....%2F%2F", "..%c0%af", "%c0%ae%c0%ae", strings.Repeat("a", 513),
		"%2e%2e%2F" + doc, "guoban%2F..%2Fguoban%2Fgovcn-5351586", "%5C%5Cserver%5Cshare"} {
		get("/v1/documents/{doc_id}", "/v1/documents/"+id, 400, "doc_id")
		get("/v1/documents/{doc_id}/related", "/v1/documents/"+id+"/related", 400, "doc_id")
		get("/d/{doc_id}", "/d/"+id, 400, "")
		// The admin routes check the token first.
		for _, m := range []string{"PUT", "DELETE"} {
			add(hostileCase{name: m + " " + id, route: "/v1/documents/{doc_id}", method: m,
				raw: hostileReq(m, "/v1/documents/"+id, "x", "Content-Length: 1"), want: 401, json: true})
		}
	}
	for _, id := range []string{"%2500", "%252e%252e%252f", "....", "~root", "a..b", strings.Repeat("a", 512), "%E6%81%B6%E6%84%8F", "a%20b", "missing"} {
		get("/v1/documents/{doc_id}", "/v1/documents/"+id, 404, "")
		get("/v1/documents/{doc_id}/related", "/v1/documents/"+id+"/related", 404, "")
		get("/d/{doc_id}", "/d/"+id, 404, "")
	}
	for _, target := range []string{"/d/..", "/d/../etc/passwd", "/d/a/../../b", "/d//etc/passwd", "/d/a//b", "/d/", "/d/./a", "/d/a/.",
		"/d/%2e%2e/%2e%2e/etc/passwd", "/d/a%5Cb", "/d/a%00b"} {
		get("/d/{doc_id}", target, 400, "")
	}
	// Literal dots and slashes make paths no route has.
	for _, target := range []string{"/v1/documents/../stats", "/v1/documents/a/b", "/v1/documents/", "/v1/documents/a/b/related"} {
		get("unmatched", target, 404, "")
	}
	get("/v1/documents/{doc_id}", "/v1/documents/..", 400, "doc_id")
	get("/v1/documents/{doc_id}/related", "/v1/documents//related", 400, "doc_id")
	get("/v1/documents/{doc_id}", "/v1/documents/guoban%2Fgovcn-5351586", 200, "")
	get("/d/{doc_id}", "/d/guoban/govcn-5351586", 200, "")
	get("/d/{doc_id}", "/d/guoban%2Fgovcn-5351586", 200, "")

	// Odd paths.
	for _, target := range []string{"//v1/search?q=x", "/v1//search?q=x", "/v1/search/?q=x", "/V1/SEARCH?q=x", "/v1/search;x=1",
		"/v1/search%00", "/%2e%2e/%2e%2e/etc/passwd", "/../../etc/passwd", "/v1/", "/v1", "/.env", "/.git/config", "/wp-admin/",
		"/index.php?x=1", "/d", "/embed/x", "/widget.js/", "/metrics/x", "/healthz/", "/" + strings.Repeat("a", 8000),
		"/v1/search%2F", "/v1/admin", "/v1/admin/", "/v1/admin/reindex/x", "/%ff", "/%e4%b8%ad", "/\xff\xfe", "/~", "/%7e"} {
		get("unmatched", target, 404, "")
	}
	for _, target := range []string{"http://elsewhere.example/v1/stats", "http://elsewhere.example/healthz"} {
		get("absolute-form", target, 200, "")
	}
	get("absolute-form", "http://elsewhere.example", 200, "")

	// Methods on every route.
	routes := map[string]string{
		"/v1/search": "/v1/search?q=x", "/v1/suggest": "/v1/suggest?q=x", "/v1/documents/{doc_id}": "/v1/documents/" + doc,
		"/v1/documents/{doc_id}/related": "/v1/documents/" + doc + "/related", "/v1/stats": "/v1/stats", "/healthz": "/healthz",
		"/readyz": "/readyz", "/metrics": "/metrics", "/openapi.json": "/openapi.json", "/": "/?q=x", "/d/{doc_id}": "/d/" + doc,
		"/embed": "/embed", "/widget.js": "/widget.js", "/v1/admin/reindex": "/v1/admin/reindex", "/v1/admin/reload": "/v1/admin/reload",
	}
	for _, route := range slices.Sorted(maps.Keys(routes)) {
		target := routes[route]
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "get", "FOO", strings.Repeat("M", 100), "CONNECT"} {
			want := 405
			switch {
			case route == "/v1/documents/{doc_id}" && (m == "PUT" || m == "DELETE"):
				want = 401 // the admin routes, without a token
			case route == "/v1/admin/reindex" && m == "POST", route == "/v1/admin/reload" && m == "POST":
				want = 401
			}
			add(hostileCase{name: m + " " + target, route: route, method: m, raw: hostileReq(m, target, ""), want: want, json: true})
		}
		want := 200
		if strings.HasPrefix(route, "/v1/admin") {
			want = 401
			if route == "/v1/admin/reload" {
				want = 405
			}
		}
		add(hostileCase{name: "HEAD " + target, route: route, method: "HEAD", raw: hostileReq("HEAD", target, ""), want: want, json: true})
	}
	add(hostileCase{name: "POST reindex, Bearer with no token", route: "/v1/admin/reindex", method: "POST",
		raw: hostileReq("POST", "/v1/admin/reindex", "", "Authorization: Bearer "), want: 401, json: true})
	add(hostileCase{name: "POST reindex, Basic auth", route: "/v1/admin/reindex", method: "POST",
		raw: hostileReq("POST", "/v1/admin/reindex", "", "Authorization: Basic YWRtaW46YWRtaW4="), want: 401, json: true})
	for _, m := range []string{"G(T", "GET\x00", "<script>"} {
		add(hostileCase{name: fmt.Sprintf("method %q", m), route: "net/http", method: "GET", raw: hostileReq(m, "/v1/stats", ""), want: 400, netHTTP: true})
	}

	// Headers: too large for the API, too large for net/http, malformed.
	big := func(n int) string { return strings.Repeat("x", n) }
	manyHeaders := func(n int) []string {
		var hs []string
		for i := range n {
			hs = append(hs, fmt.Sprintf("X-H%d: %s", i, big(16)))
		}
		return hs
	}
	for route, target := range map[string]string{"/v1/search": "/v1/search?q=x", "/": "/?q=x", "/d/{doc_id}": "/d/" + doc, "/healthz": "/healthz"} {
		add(hostileCase{name: "20 KB header on " + target, route: route, raw: hostileReq("GET", target, "", "X-Big: "+big(20<<10)), want: 431, json: true})
		add(hostileCase{name: "1,000 headers on " + target, route: route, raw: hostileReq("GET", target, "", manyHeaders(1000)...), want: 431, json: true})
		add(hostileCase{name: "15 KB header on " + target, route: route, raw: hostileReq("GET", target, "", "X-Big: "+big(15<<10)), want: 200, json: true})
		add(hostileCase{name: "200 KB header on " + target, route: "net/http", raw: hostileReq("GET", target, "", "X-Big: "+big(200<<10)), want: 431, netHTTP: true})
	}
	add(hostileCase{name: "200 KB URL", route: "net/http", raw: hostileReq("GET", "/v1/search?q="+big(200<<10), ""), want: 431, netHTTP: true})
	add(hostileCase{name: "300 KB URL of an escaped 100 KB q", route: "net/http", raw: hostileReq("GET", "/v1/search?q="+url.QueryEscape(rawLong), ""), want: 431, netHTTP: true})
	for name, raw := range map[string]string{
		"header line without a colon": hostileReq("GET", "/v1/stats", "", "NoColonHere"),
		"space in a header name":      hostileReq("GET", "/v1/stats", "", "Bad Name: x"),
		"NUL in a header value":       hostileReq("GET", "/v1/stats", "", "X-A: a\x00b"),
		"no Host in HTTP/1.1":         "GET /v1/stats HTTP/1.1\r\nConnection: close\r\n\r\n",
		"two Hosts":                   hostileReq("GET", "/v1/stats", "", "Host: other.test"),
		"Host with a space":           "GET /v1/stats HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n",
		"Host with markup":            "GET /embed HTTP/1.1\r\nHost: x\"><script>\r\nConnection: close\r\n\r\n",
		"no request line":             "\r\n\r\nHost: x\r\n\r\n",
		"HTTP/0.9":                    "GET /v1/stats\r\n\r\n",
		"garbage":                     "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
		"lower-case protocol":         "GET /v1/stats http/1.1\r\nHost: x\r\n\r\n",
		"Content-Length not a number": hostileReq("GET", "/v1/stats", "", "Content-Length: abc"),
		"negative Content-Length":     hostileReq("GET", "/v1/stats", "", "Content-Length: -1"),
		"two Content-Lengths":         hostileReq("GET", "/v1/stats", "ab", "Content-Length: 1", "Content-Length: 2"),
		"Expect something odd":        hostileReq("GET", "/v1/stats", "", "Expect: the-unexpected"),
		"request target with a space": "GET /v1/search?q=a b HTTP/1.1\r\nHost: x\r\n\r\n",
		"control character in path":   "GET /v1/st\x01ats HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		want := 400
		if name == "Expect something odd" {
			want = 417
		}
		add(hostileCase{name: name, route: "net/http", raw: raw, want: want, netHTTP: true})
	}
	// net/http answers a protocol it does not speak, and a transfer coding
	// it does not know, with a 5xx of its own (505, 501) before any
	// handler: the one exception to "never a 5xx".
	add(hostileCase{name: "HTTP/2.0 request line", route: "net/http", raw: "GET /v1/stats HTTP/2.0\r\nHost: x\r\n\r\n", want: 505, netHTTP: true})
	add(hostileCase{name: "HTTP/3.0 request line", route: "net/http", raw: "GET /v1/stats HTTP/3.0\r\nHost: x\r\n\r\n", want: 505, netHTTP: true})
	add(hostileCase{name: "Transfer-Encoding gzip", route: "net/http", raw: hostileReq("POST", "/v1/search", "", "Transfer-Encoding: gzip"), want: 501, netHTTP: true})
	for name, tc := range map[string]struct {
		raw   string
		want  int
		route string
	}{
		"HTTP/1.0 without Host":           {"GET /v1/stats HTTP/1.0\r\n\r\n", 200, "/v1/stats"},
		"HTTP/1.9":                        {"GET /v1/stats HTTP/1.9\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "/v1/stats"},
		"Expect 100-continue on a GET":    {hostileReq("GET", "/v1/stats", "", "Expect: 100-continue"), 200, "/v1/stats"},
		"h2c upgrade":                     {hostileReq("GET", "/v1/stats", "", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"), 200, "/v1/stats"},
		"websocket upgrade":               {hostileReq("GET", "/v1/stats", "", "Upgrade: websocket", "Sec-WebSocket-Key: x"), 200, "/v1/stats"},
		"odd Accept-Encoding":             {hostileReq("GET", "/v1/search?q=x", "", "Accept-Encoding: gzip;q=abc, br;q=-1, *;q=2, "+big(100)), 200, "/v1/search"},
		"10 KB If-None-Match":             {hostileReq("GET", "/v1/search?q=x", "", "If-None-Match: "+strings.Repeat(`"x", W/"y", `, 500)), 200, "/v1/search"},
		"If-None-Match *":                 {hostileReq("GET", "/v1/search?q=x", "", "If-None-Match: *"), 304, "/v1/search"},
		"Range":                           {hostileReq("GET", "/v1/search?q=x", "", "Range: bytes=0-1,5-3,-0"), 200, "/v1/search"},
		"hostile Origin":                  {hostileReq("GET", "/v1/search?q=x", "", "Origin: null"), 200, "/v1/search"},
		"preflight from a hostile Origin": {hostileReq("OPTIONS", "/v1/search", "", "Origin: https://evil.example", "Access-Control-Request-Method: DELETE"), 405, "/v1/search"},
		"Authorization on a public route": {hostileReq("GET", "/v1/stats", "", "Authorization: Bearer guess"), 200, "/v1/stats"},
		"10 KB Cookie":                    {hostileReq("GET", "/v1/stats", "", "Cookie: a="+big(10<<10)), 200, "/v1/stats"},
		"long X-Request-Id":               {hostileReq("GET", "/v1/stats", "", "X-Request-Id: "+big(10<<10)), 200, "/v1/stats"},
		"X-Forwarded-Proto markup":        {hostileReq("GET", "/embed", "", `X-Forwarded-Proto: "><script>`), 200, "/embed"},
		"Host with a quote":               {"GET /embed HTTP/1.1\r\nHost: x.example'a\r\nConnection: close\r\n\r\n", 200, "/embed"},
		"body on a GET":                   {hostileReq("GET", "/v1/search?q=x", big(1000), "Content-Length: 1000"), 200, "/v1/search"},
		"chunked body on a GET":           {hostileReq("GET", "/v1/search?q=x", "5\r\nhello\r\nzz\r\n", "Transfer-Encoding: chunked"), 200, "/v1/search"},
		"2 MB body declared on a GET":     {hostileReq("GET", "/v1/search?q=x", big(1000), "Content-Length: 2000000"), 413, "/v1/search"},
		"2 MB body declared on a POST":    {hostileReq("POST", "/v1/search?q=x", big(1000), "Content-Length: 2000000"), 413, "/v1/search"},
		"17 MB document without a token":  {hostileReq("PUT", "/v1/documents/x", big(1000), "Content-Length: 17000000"), 401, "/v1/documents/{doc_id}"},
		"OPTIONS *":                       {"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "net/http"},
		"GET *":                           {"GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "unmatched"},
		"CONNECT authority":               {"CONNECT elsewhere.example:443 HTTP/1.1\r\nHost: elsewhere.example:443\r\n\r\n", 405, "/"},
	} {
		add(hostileCase{name: name, route: tc.route, method: strings.Fields(tc.raw)[0], raw: tc.raw, want: tc.want, json: true})
	}

	// Plain requests to every route, which must work amid the rest.
	for route, target := range routes {
		want := 200
		if strings.HasPrefix(route, "/v1/admin") {
			want = 401
			if route == "/v1/admin/reload" {
				want = 405
			}
		}
		get(route, target, want, "")
	}
	return cases
}

// TestHostileRequests sends the malformed set to a real server: each
// request gets the status it should (a 4xx, or a 2xx where it is valid
// after all), never a 5xx (but net/http's own 505 and 501), a panic or a
// dropped connection; JSON routes answer errors as JSON naming the
// parameter; every answer a handler writes matches api/openapi.json; no
// body holds internal error text or a server path; and metrics stay
// labelled by route. Latencies are reported.
func TestHostileRequests(t *testing.T) {
	dir := buildTestIndex(t)
	logs := &lockedBuffer{}
	srv := serveHostile(t, dir, serverConfig{API: api.Options{AdminToken: "s3cret-admin-token", CORSOrigins: []string{"https://news.example"},
		Build: index.BuildOptions{Source: replies}}}, logs)
	addr := srv.Addr()
	cases := hostileCases()
	if len(cases) < 1000 {
		t.Fatalf("the malformed set has %d requests, want at least 1,000", len(cases))
	}
	forbidden := append(slices.Clone(hostileForbidden), dir, filepath.Dir(dir))
	for _, c := range cases {
		for _, f := range forbidden {
			if strings.Contains(c.raw, f) {
				t.Fatalf("%s: the request itself holds %q, which responses are checked for", c.name, f)
			}
		}
	}

	// The first request for related documents loads jieba's keyword
	// tables (index loads them lazily, to start faster): timed apart.
	warmReq := hostileReq("GET", "/v1/documents/reply-miit-2020-2524/related", "")
	warm := hostileSend(addr, "GET", warmReq, 30*time.Second)
	if warm.err != nil || warm.status != 200 {
		t.Fatalf("related: %d %v", warm.status, warm.err)
	}
	reportHostile(t, warmReq, warm)
	t.Logf("first related request (loads the keyword tables): %v", warm.took)

	byRoute := map[string][]time.Duration{}
	var all []time.Duration
	type timed struct {
		name       string
		took, head time.Duration
	}
	var slow []timed
	failures := 0
	for _, c := range cases {
		res := hostileSend(addr, c.method, c.raw, 10*time.Second)
		name := truncateName(c.name)
		if res.err != nil || (res.bodyErr != nil && !c.netHTTP) {
			t.Errorf("%s: %v %v", name, res.err, res.bodyErr)
			failures++
			continue
		}
		all = append(all, res.took)
		slow = append(slow, timed{name, res.took, res.head})
		byRoute[c.route] = append(byRoute[c.route], res.took)
		if msg := checkHostile(c, res, forbidden); msg != "" {
			t.Errorf("%s: %s", name, msg)
			failures++
		}
		// What net/http answers itself, before any handler (its plain-text
		// 400, 417, 431, 501 and 505), no route of the contract writes.
		if !c.netHTTP {
			if err := checkRaw(t, c.raw, res.status, res.header, res.body); err != nil {
				t.Errorf("%s: response breaks api/openapi.json: %v", name, err)
				failures++
			}
		}
		if failures > 40 {
			t.Fatal("too many failures")
		}
	}

	t.Logf("%d malformed requests: median %v, p99 %v, max %v", len(all), quantile(all, 0.5), quantile(all, 0.99), quantile(all, 1))
	slices.SortFunc(slow, func(a, b timed) int { return int(b.took - a.took) })
	for _, s := range slow[:min(8, len(slow))] {
		t.Logf("  slow: %v (status line after %v) %s", s.took, s.head, s.name)
	}
	for _, route := range slices.Sorted(maps.Keys(byRoute)) {
		d := byRoute[route]
		t.Logf("  %-32s %4d requests: median %8v  p99 %8v  max %8v", route, len(d), quantile(d, 0.5), quantile(d, 0.99), quantile(d, 1))
	}

	// The server logged no panic and no internal error.
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "msg=panic") || strings.Contains(line, `msg="internal error"`) || strings.Contains(line, "panic serving") {
			t.Errorf("server log: %.300s", line)
		}
	}
	// Metrics are labelled by route pattern and method name, never by
	// what a client sent.
	metricsReq := hostileReq("GET", "/metrics", "")
	res := hostileSend(addr, "GET", metricsReq, 10*time.Second)
	if res.err != nil || res.status != 200 {
		t.Fatalf("metrics: %d %v", res.status, res.err)
	}
	reportHostile(t, metricsReq, res)
	// A path under /v1 that no route has is counted under chi's pattern of
	// the /v1 subrouter: still one series, not one per path.
	known := map[string]bool{"unmatched": true, "/v1": true, "/v1/*": true}
	for route := range routesOf(t, srv) {
		known[route] = true
	}
	for _, m := range regexp.MustCompile(`route="([^"]*)"`).FindAllStringSubmatch(string(res.body), -1) {
		if !known[m[1]] {
			t.Errorf("metrics label a route %q that is not a pattern", truncateName(m[1]))
		}
	}
	for _, m := range regexp.MustCompile(`method="([^"]*)"`).FindAllStringSubmatch(string(res.body), -1) {
		if !regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE|CONNECT|OPTIONS|TRACE|other)$`).MatchString(m[1]) {
			t.Errorf("metrics label a method %q", truncateName(m[1]))
		}
	}
}

// routesOf lists the route patterns the server's handler serves.
func routesOf(t *testing.T, srv *server) map[string]bool {
	t.Helper()
	routes := map[string]bool{}
	// Read from the OpenAPI document, which a test in api keeps equal to
	// the router.
	raw := hostileReq("GET", "/openapi.json", "")
	res := hostileSend(srv.Addr(), "GET", raw, 10*time.Second)
	reportHostile(t, raw, res)
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	if res.err != nil || json.Unmarshal(res.body, &doc) != nil {
		t.Fatalf("openapi.json: %v", res.err)
	}
	for p := range doc.Paths {
		routes[strings.Replace(p, "/d/{doc_id}", "/d/*", 1)] = true
	}
	return routes
}

// checkHostile says what is wrong with res as the answer to c, or "".
func checkHostile(c hostileCase, res hostileResult, forbidden []string) string {
	switch {
	case c.want < 100 && res.status/100 != c.want:
		return fmt.Sprintf("status %d, want %dxx; body %.200q", res.status, c.want, res.body)
	case c.want >= 100 && res.status != c.want:
		return fmt.Sprintf("status %d, want %d; body %.200q", res.status, c.want, res.body)
	case res.status >= 500 && !c.netHTTP:
		return fmt.Sprintf("status %d", res.status)
	}
	for _, f := range forbidden {
		if c.route == "/metrics" && f == "goroutine" {
			continue // go_goroutines, the Go collector's gauge
		}
		if strings.Contains(string(res.body), f) {
			return fmt.Sprintf("the body holds %q: %.300q", f, res.body)
		}
	}
	ct := res.header.Get("Content-Type")
	switch {
	case c.method == "HEAD" && len(res.body) > 0:
		return fmt.Sprintf("HEAD answered with a body of %d bytes", len(res.body))
	case c.netHTTP:
		// net/http's own answer, before any handler: plain text. It may
		// hang up while the client still writes (so the body may break
		// off), which its source calls undefined behaviour.
		if !strings.HasPrefix(ct, "text/plain") && len(res.body) > 0 {
			return fmt.Sprintf("net/http answered with Content-Type %q", ct)
		}
	case res.status >= 400 && c.json && c.method != "HEAD":
		var e struct {
			Error *struct{ Code, Message, Param string } `json:"error"`
		}
		if !strings.HasPrefix(ct, "application/json") || res.header.Get("X-Content-Type-Options") != "nosniff" {
			return fmt.Sprintf("error with Content-Type %q, X-Content-Type-Options %q", ct, res.header.Get("X-Content-Type-Options"))
		}
		if err := json.Unmarshal(res.body, &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
			return fmt.Sprintf("error body is not the API's JSON error: %v %.200q", err, res.body)
		}
		switch {
		case c.param == "*" && e.Error.Param == "":
			return fmt.Sprintf("error names no parameter: %.200q", res.body)
		case c.param != "" && c.param != "*" && e.Error.Param != c.param:
			return fmt.Sprintf("error names param %q, want %q: %.200q", e.Error.Param, c.param, res.body)
		}
	case res.status >= 400 && !c.json && c.method != "HEAD":
		if !strings.HasPrefix(ct, "text/html") || len(res.body) == 0 {
			return fmt.Sprintf("page error with Content-Type %q, %d bytes", ct, len(res.body))
		}
	}
	if id := res.header.Get("X-Request-Id"); len(id) > 64 {
		return fmt.Sprintf("X-Request-Id of %d bytes echoed", len(id))
	}
	return ""
}

// truncateName shortens a request's description for a message.
func truncateName(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 120 {
		return s[:120] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

// quantile is the q-th quantile of d (1 is the maximum).
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// hostileProber sends a search every 20 ms on a new connection until
// stopped, and records what each got: the server must keep answering
// others while slow clients hold connections.
type hostileProber struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	took []time.Duration
	bad  []string
}

func startProber(addr string) *hostileProber {
	p := &hostileProber{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-p.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			res := hostileSend(addr, "GET", hostileReq("GET", "/v1/search?q=%E5%B7%A5%E4%B8%9A", ""), 15*time.Second)
			p.mu.Lock()
			if res.err != nil || res.bodyErr != nil || res.status != 200 {
				p.bad = append(p.bad, fmt.Sprintf("%d %v %v", res.status, res.err, res.bodyErr))
			} else {
				p.took = append(p.took, res.took)
			}
			p.mu.Unlock()
		}
	}()
	return p
}

// check stops the prober, once it has sent a request at least, and fails
// t if any of its requests failed.
func (p *hostileProber) check(t *testing.T) {
	t.Helper()
	for i := 0; i < 500; i++ {
		p.mu.Lock()
		n := len(p.took) + len(p.bad)
		p.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(p.stop)
	<-p.done
	if len(p.bad) > 0 {
		t.Errorf("%d of %d requests from another client failed meanwhile, first: %s", len(p.bad), len(p.bad)+len(p.took), p.bad[0])
	}
	if len(p.took) == 0 {
		t.Error("no request from another client was answered meanwhile")
		return
	}
	t.Logf("another client meanwhile: %d searches, median %v, max %v", len(p.took), quantile(p.took, 0.5), quantile(p.took, 1))
}

// waitClosed reads c until the server closes it, and returns how long
// that took and what it sent; it fails t if the server has not closed it
// by the deadline, far past the timeout at work.
func waitClosed(t *testing.T, c net.Conn, start time.Time, deadline time.Duration) (time.Duration, string) {
	t.Helper()
	c.SetReadDeadline(start.Add(deadline))
	got, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server has not closed the connection after %v; it sent %.200q", deadline, got)
	}
	return time.Since(start), string(got)
}

// trickle writes s a byte at a time, every interval, until it is written
// or a write fails (the server hung up), or stop is closed.
func trickle(c net.Conn, s string, interval time.Duration, stop <-chan struct{}) {
	for i := range len(s) {
		select {
		case <-stop:
			return
		case <-time.After(interval):
		}
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
	}
}

// TestHostileSlowClients: clients that trickle their request line,
// headers or body are cut off by the server's timeouts (shortened here
// through serverConfig; production keeps its defaults), a flood of idle
// connections is bounded by the connection cap and the header timeout,
// idle keep-alive connections give way at the cap, a client that does not
// read is cut off by the write timeout, and oversized bodies are refused;
// all the while another client's searches are answered.
func TestHostileSlowClients(t *testing.T) {
	dir := buildTestIndex(t)
	const (
		headerTimeout = 300 * time.Millisecond
		readTimeout   = 600 * time.Millisecond
		// As in production, a response may take longer to write than a
		// request to read: the 408 to a slow body is written after the
		// read timeout.
		writeTimeout = time.Second
		maxConns     = 64
		// deadline bounds every wait for the server to act: far above
		// the timeouts at work, far below the production defaults.
		deadline = 5 * time.Second
	)
	const token = "s3cret-admin-token"
	srv := serveHostile(t, dir, serverConfig{ReadHeaderTimeout: headerTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout,
		IdleTimeout: time.Second, MaxConns: maxConns, API: api.Options{AdminToken: token}}, io.Discard)
	addr := srv.Addr()
	dial := func() net.Conn {
		c, err := net.DialTimeout("tcp", addr, deadline)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	for _, tc := range []struct {
		name, sent, trickled string
		// want is the status the server answers before it hangs up, 0
		// for none: net/http hangs up on slow headers without a word, and
		// answers a request line cut short with its plain-text 400.
		want int
	}{
		{"request line trickled", "", "GET /v1/search?q=x HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"headers trickled", "GET /v1/search?q=x HTTP/1.1\r\nHost: x\r\n", "X-Slow: " + strings.Repeat("a", 1000), 0},
		{"document trickled to PUT", hostileReq("PUT", "/v1/documents/slow", "---\ntitle: 慢\n---\n", "Authorization: Bearer "+token, "Content-Length: 10000"),
			strings.Repeat("字", 3000), http.StatusRequestTimeout},
		// Kept alive, the server reads the body to its end before the next
		// request, so the answer waits for it, up to the read timeout.
		{"body trickled to a search", "POST /v1/search?q=x HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n", strings.Repeat("a", 10000), http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prober := startProber(addr)
			c := dial()
			start := time.Now()
			io.WriteString(c, tc.sent)
			stop := make(chan struct{})
			defer close(stop)
			go trickle(c, tc.trickled, 20*time.Millisecond, stop)
			took, got := waitClosed(t, c, start, deadline)
			t.Logf("disconnected after %v (read timeouts: header %v, request %v)", took, headerTimeout, readTimeout)
			status := 0
			if resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil); err == nil {
				status = resp.StatusCode
				plain := strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") && tc.name == "request line trickled"
				b, _ := io.ReadAll(resp.Body)
				if status >= 400 && !plain && !strings.Contains(string(b), `"error"`) {
					t.Errorf("the answer is not the API's JSON error: %.200q", b)
				}
				// net/http's own plain-text 400, before any handler, is no
				// route's; the rest is checked as the request was meant.
				if !plain {
					reportRaw(t, tc.sent+tc.trickled, status, resp.Header, b)
				}
				for _, f := range append(slices.Clone(hostileForbidden), "127.0.0.1") {
					if strings.Contains(got, f) {
						t.Errorf("the answer holds %q: %.300q", f, got)
					}
				}
			}
			if status != tc.want {
				t.Errorf("the slow client got status %d (%.100q), want %d", status, got, tc.want)
			}
			prober.check(t)
		})
	}

	t.Run("idle connections flood", func(t *testing.T) {
		prober := startProber(addr)
		start := time.Now()
		var idle []net.Conn
		for range 300 {
			idle = append(idle, dial())
		}
		// A request behind the flood is answered once the cap frees.
		raw := hostileReq("GET", "/v1/stats", "")
		res := hostileSend(addr, "GET", raw, deadline)
		if res.err != nil || res.status != 200 {
			t.Errorf("a request behind 300 idle connections: %d %v", res.status, res.err)
		}
		reportHostile(t, raw, res)
		t.Logf("a request behind 300 idle connections answered after %v", res.took)
		var last time.Duration
		for _, c := range idle {
			took, got := waitClosed(t, c, start, deadline)
			if got != "" {
				t.Errorf("an idle connection got %.100q", got)
			}
			last = max(last, took)
		}
		t.Logf("all 300 idle connections closed by the server after %v (header timeout %v, %d at a time)", last, headerTimeout, maxConns)
		if _, peak := srv.conns.stats(); peak > maxConns {
			t.Errorf("%d connections were open at once, the cap is %d", peak, maxConns)
		}
		prober.check(t)
	})

	t.Run("client that does not read", func(t *testing.T) {
		prober := startProber(addr)
		c := dial()
		start := time.Now()
		// 1,000 pipelined requests for 35 KB each, never read: the server's
		// writes block once the socket buffers are full.
		var reqs strings.Builder
		for range 1000 {
			reqs.WriteString("GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		go io.WriteString(c, reqs.String())
		time.Sleep(2 * writeTimeout) // not reading, past the write timeout
		took, got := waitClosed(t, c, start, deadline)
		n := strings.Count(got, "HTTP/1.1 200 OK")
		if n >= 1000 {
			t.Errorf("the server wrote all %d responses to a client that did not read", n)
		}
		t.Logf("a client that did not read was cut off after %d responses, %v (write timeout %v)", n, took, writeTimeout)
		prober.check(t)
	})

	t.Run("oversized bodies", func(t *testing.T) {
		prober := startProber(addr)
		// Declared too large: refused before a byte of it is read.
		for _, tc := range []struct {
			raw  string
			want int
		}{
			{hostileReq("PUT", "/v1/documents/big", "---\n", "Authorization: Bearer "+token, "Content-Length: 17000000"), 413},
			{hostileReq("PUT", "/v1/documents/big", "---\n", "Content-Length: 17000000"), 401},
			{hostileReq("POST", "/v1/admin/reindex", "x", "Authorization: Bearer "+token, "Content-Length: 2000000"), 413},
			{hostileReq("GET", "/v1/search?q=x", "x", "Content-Length: 2000000"), 413},
		} {
			res := hostileSend(addr, strings.Fields(tc.raw)[0], tc.raw, deadline)
			if res.err != nil || res.status != tc.want || !strings.Contains(string(res.body), `"error"`) {
				t.Errorf("%.60q: %d %v %.200q, want %d", tc.raw, res.status, res.err, res.body, tc.want)
			}
			reportHostile(t, tc.raw, res)
		}
		prober.check(t)
		// Streamed without a length: cut off at the limit. The server
		// answers 413, shuts its side and, half a second later, closes
		// with the rest of the stream unread, which makes the kernel send
		// a reset that discards the answer if the client has not read it
		// yet: a client starved of CPU that long (the race detector on a
		// loaded machine) sees the connection reset instead. Such a
		// reset is tried again, twice at most; any answer but 413 fails.
		// Sending 16 MB takes longer than this test's short read timeout
		// under the race detector: a server with the production
		// timeouts (on an index of its own: one process per index) takes it.
		big := serveHostile(t, buildTestIndex(t), serverConfig{API: api.Options{AdminToken: token}}, io.Discard).Addr()
		// The other client searches the server taking the stream.
		prober = startProber(big)
		var start time.Time
		for attempt := 1; ; attempt++ {
			c, err := net.DialTimeout("tcp", big, deadline)
			if err != nil {
				t.Fatal(err)
			}
			start = time.Now()
			head := hostileReq("PUT", "/v1/documents/big", "", "Authorization: Bearer "+token, "Transfer-Encoding: chunked")
			io.WriteString(c, head)
			go func() {
				chunk := fmt.Sprintf("%x\r\n%s\r\n", 64<<10, strings.Repeat("字", 64<<10/3)+"a")
				for range 17 << 20 / (64 << 10) {
					if _, err := io.WriteString(c, chunk); err != nil {
						return
					}
				}
			}()
			c.SetReadDeadline(start.Add(deadline))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				c.Close()
				if attempt < 3 && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) {
					t.Logf("streamed 17 MB document, attempt %d: %v (the answer lost to the reset); again", attempt, err)
					continue
				}
				t.Fatalf("streamed 17 MB document: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			c.Close()
			if resp.StatusCode != 413 || !strings.Contains(string(b), "body_too_large") {
				t.Errorf("streamed 17 MB document: %d %.200q", resp.StatusCode, b)
			}
			reportRaw(t, head, resp.StatusCode, resp.Header, b)
			break
		}
		t.Logf("a streamed 17 MB document refused after %v", time.Since(start))
		prober.check(t)
	})

	t.Run("idle keep-alive connections at the cap", func(t *testing.T) {
		// A server whose idle timeout is long: only the cap's shedding of
		// idle connections can make room.
		const small = 8
		srv := serveHostile(t, buildTestIndex(t), serverConfig{IdleTimeout: time.Minute, MaxConns: small}, io.Discard)
		addr := srv.Addr()
		start := time.Now()
		var held []net.Conn
		for range small {
			c, err := net.DialTimeout("tcp", addr, deadline)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(start.Add(deadline))
			io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("keep-alive request: %v %v", resp, err)
			}
			io.ReadAll(io.LimitReader(resp.Body, 1<<10))
			held = append(held, c)
		}
		raw := hostileReq("GET", "/v1/stats", "")
		res := hostileSend(addr, "GET", raw, deadline)
		if res.err != nil || res.status != 200 {
			t.Fatalf("a client past %d idle keep-alive connections: %d %v", small, res.status, res.err)
		}
		reportHostile(t, raw, res)
		t.Logf("a client past %d idle keep-alive connections answered after %v (idle timeout 1m)", small, res.took)
		closed := 0
		for _, c := range held {
			c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err == io.EOF {
				closed++
			}
		}
		if closed < small-1 {
			t.Errorf("%d of %d idle keep-alive connections were closed at the cap", closed, small)
		}
		// Below the cap again, connections are kept alive.
		keptAlive := false
		for i := 0; i < 50 && !keptAlive; i++ {
			res := hostileSend(addr, "GET", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", deadline)
			keptAlive = res.err == nil && res.status == 200 && res.header.Get("Connection") != "close"
			if !keptAlive {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if !keptAlive {
			t.Error("keep-alive did not come back once the connections were few again")
		}
	})
}

// TestHostileAdminTokens: the admin routes answer 401 without a token
// and 403 to a wrong one; after five wrong tokens a client's wrong tokens
// get 429 with Retry-After on every admin route, whatever X-Forwarded-For
// it claims, until the window passes, while the right token from that
// same address still gets in (an address may be many people's); the
// public routes are not locked out; and documents that try to exhaust
// the parser are refused.
func TestHostileAdminTokens(t *testing.T) {
	dir := buildTestIndex(t)
	const token = "s3cret-admin-token"
	srv := serveHostile(t, dir, serverConfig{API: api.Options{AdminToken: token, WrongTokenWait: 10 * time.Millisecond}}, io.Discard)
	addr := srv.Addr()
	send := func(from, method, target, auth string, headers ...string) hostileResult {
		t.Helper()
		if auth != "" {
			headers = append(headers, "Authorization: "+auth)
		}
		raw := hostileReq(method, target, "", headers...)
		res := hostileSendFrom(from, addr, method, raw, 10*time.Second)
		if res.err != nil || res.bodyErr != nil {
			t.Fatalf("%s %s from %s: %v %v", method, target, from, res.err, res.bodyErr)
		}
		reportHostile(t, raw, res)
		var e struct{ Error struct{ Code string } }
		if res.status >= 400 && (json.Unmarshal(res.body, &e) != nil || e.Error.Code == "") {
			t.Errorf("%s %s: %d with a body that is not the API's JSON error: %.200q", method, target, res.status, res.body)
		}
		return res
	}
	const attacker, admin = "127.0.0.2", "127.0.0.3"
	routes := [][2]string{{"GET", "/v1/admin/reindex"}, {"POST", "/v1/admin/reload"}, {"DELETE", "/v1/documents/nope"}, {"PUT", "/v1/documents/x"}}

	// No token, or not a bearer one: 401, which does not count.
	for _, auth := range []string{"", "Bearer", "Bearer ", "Basic " + "YWRtaW46" + token, token, "Token " + token} {
		for _, r := range routes {
			if res := send(attacker, r[0], r[1], auth); res.status != 401 || res.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with Authorization %q: %d, WWW-Authenticate %q", r[0], r[1], auth, res.status, res.header.Get("WWW-Authenticate"))
			}
		}
	}
	// Five wrong tokens, on any admin route: 403.
	wrong := []string{"Bearer guess", "Bearer " + token + "x", "Bearer " + token[:len(token)-1], "Bearer " + strings.ToUpper(token), "Bearer  " + token}
	for i, auth := range wrong {
		r := routes[i%len(routes)]
		if res := send(attacker, r[0], r[1], auth); res.status != 403 {
			t.Errorf("wrong token %q: %d", auth, res.status)
		}
	}
	// Then a wrong token gets 429 with Retry-After on every admin route,
	// whatever the client claims to be; no token is still 401; the right
	// token from the same address is let through.
	for _, r := range routes {
		for _, xff := range []string{"X-Forwarded-For: 192.0.2.7", "X-Real-Ip: 192.0.2.8"} {
			res := send(attacker, r[0], r[1], "Bearer guess-6", xff)
			secs, err := strconv.Atoi(res.header.Get("Retry-After"))
			if res.status != 429 || err != nil || secs < 1 || secs > 10 {
				t.Errorf("%s %s with a wrong token after five: %d, Retry-After %q", r[0], r[1], res.status, res.header.Get("Retry-After"))
			}
			if res := send(attacker, r[0], r[1], "", xff); res.status != 401 {
				t.Errorf("%s %s without a token after five wrong ones: %d", r[0], r[1], res.status)
			}
			if res := send(attacker, r[0], r[1], "Bearer "+token, xff); res.status == 401 || res.status == 403 || res.status == 429 {
				t.Errorf("%s %s with the right token from the address that sent wrong ones: %d %.200q", r[0], r[1], res.status, res.body)
			}
		}
	}
	// The lockout is the attacker's alone, and only on the admin routes.
	if res := send(attacker, "GET", "/v1/stats", ""); res.status != 200 {
		t.Errorf("public route from the locked-out client: %d", res.status)
	}
	if res := send(admin, "GET", "/v1/admin/reindex", "Bearer "+token); res.status != 200 {
		t.Errorf("the right token from another client: %d %.200q", res.status, res.body)
	}

	// Documents built to exhaust the parser, from the admin: refused.
	put := func(name, body string, want int) {
		t.Helper()
		raw := hostileReq("PUT", "/v1/documents/hostile", body, "Authorization: Bearer "+token, "Content-Length: "+strconv.Itoa(len(body)))
		res := hostileSendFrom(admin, addr, "PUT", raw, 10*time.Second)
		if res.err != nil || res.status/100 != want/100 {
			t.Errorf("PUT %s: %d %v %.300q, want %d", name, res.status, res.err, res.body, want)
		}
		reportHostile(t, raw, res)
		for _, f := range append(slices.Clone(hostileForbidden), dir) {
			if strings.Contains(string(res.body), f) {
				t.Errorf("PUT %s: the body holds %q: %.300q", name, f, res.body)
			}
		}
		t.Logf("PUT %s: %d in %v", name, res.status, res.took)
	}
	laughs := "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	for i, prev := range "abcdefgh" {
		next := string("bcdefghi"[i])
		laughs += next + ": &" + next + " [*" + string(prev) + ",*" + string(prev) + ",*" + string(prev) + ",*" + string(prev) + ",*" + string(prev) + ",*" + string(prev) + ",*" + string(prev) + ",*" + string(prev) + ",*" + string(prev) + "]\n"
	}
	laughs += "title: 笑\n---\n正文。\n"
	put("billion laughs", laughs, 400)
	put("10,000 nested lists", "---\ntitle: "+strings.Repeat("[", 10000)+strings.Repeat("]", 10000)+"\n---\n正文。\n", 400)
	put("1 MB front matter", "---\ntitle: 大\nx: "+strings.Repeat("a", 1<<20)+"\n---\n正文。\n", 400)
	put("NUL", "---\ntitle: a\x00b\n---\n正文。\n", 400)
	put("invalid UTF-8", "---\ntitle: \xff\xfe\n---\n正文。\n", 400)
	put("unclosed front matter", "---\ntitle: 未完\n正文。\n", 400)
	put("empty", "", 400)
	put("one line of 1 MB", "---\ntitle: 长\n---\n"+strings.Repeat("字", 1<<20/3)+"\n", 200)
}

// hostileDoc is a reply whose every field tries to become markup: tags,
// event handlers, a closing </mark>, entities that must stay text,
// javascript: URLs, a template action, a style and an iframe.
const hostileDoc = `---
title: '<script>alert("t")</script><img src=x onerror=alert(1)>恶意标题</mark><b>粗</b>&lt;i&gt;javascript:alert(1)'
tags: ['<b>标签</b>', '"><svg onload=alert(1)>', '&amp;']
categories: ['</mark><script>alert(2)</script>']
publisher: '<i onmouseover="alert(3)">发布机关</i>'
source: 'javascript:alert(4)'
date: 2021-01-02
---

恶意测试的前言<script>alert(5)</script>，&lt;b&gt;不是标签&lt;/b&gt;。

一、关于<img src=x onerror=alert(6)>恶意测试的答复

正文</mark><b>恶意测试</b>的文字，<a href="javascript:alert(7)">链接</a>，{{.}}，<!-- 注释 -->，]]>，&#x3c;script&#x3e;，"引号"与'单引号'。

二、<mark>伪造的高亮</mark>恶意测试

<style>body{display:none}</style>恶意测试的样式。<iframe src="javascript:alert(8)"></iframe>
`

// pageTags are the elements the page templates write.
var pageTags = map[string]bool{"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true, "header": true,
	"a": true, "main": true, "form": true, "input": true, "button": true, "p": true, "div": true, "ol": true, "li": true, "mark": true,
	"nav": true, "aside": true, "h1": true, "h2": true, "ul": true, "span": true, "article": true, "section": true, "pre": true,
	"code": true, "script": true, "govsearch-box": true, "output": true, "link": true, "strong": true}

var (
	tagRE  = regexp.MustCompile(`^<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>`)
	attrRE = regexp.MustCompile(`([^\s=/"'<>]+)(?:=("[^"]*"|'[^']*'|[^\s"'<>]+))?`)
)

// checkPage fails t unless every tag in page is one the templates write,
// with no event handler attribute, no link but to this site or http(s),
// and no script but the widget.
func checkPage(t *testing.T, name, page string) {
	t.Helper()
	styles := 0
	for i := 0; i < len(page); i++ {
		if page[i] != '<' {
			continue
		}
		rest := page[i:]
		if strings.HasPrefix(rest, "<!doctype html>") {
			continue
		}
		m := tagRE.FindStringSubmatch(rest)
		if m == nil || !pageTags[strings.ToLower(m[2])] {
			t.Errorf("%s: markup the templates do not write: %.80q", name, rest)
			continue
		}
		tag := strings.ToLower(m[2])
		if m[1] == "" && tag == "style" {
			styles++
		}
		if m[1] == "" && tag == "script" {
			if !regexp.MustCompile(`^<script src="/(widget|page)\.js\?v=[0-9a-f]+" defer></script>`).MatchString(rest) {
				t.Errorf("%s: a script that is not the widget or the page's: %.80q", name, rest)
			}
		}
		// The meta description is the document's own text (its title),
		// which may say anything; as an attribute it must stay one
		// quoted, escaped value, with no markup and nothing after it.
		description := tag == "meta" && strings.Contains(m[3], `name="description"`)
		if description && !regexp.MustCompile(`^<meta name="description" content="[^"<>]*">`).MatchString(rest) {
			t.Errorf("%s: a meta description that is not one escaped value: %.200q", name, rest)
		}
		for _, a := range attrRE.FindAllStringSubmatch(m[3], -1) {
			attr, value := strings.ToLower(a[1]), html.UnescapeString(strings.Trim(a[2], `"'`))
			if strings.HasPrefix(attr, "on") {
				t.Errorf("%s: an event handler attribute: %.80q", name, rest)
			}
			if (attr == "href" || attr == "src" || attr == "action") &&
				!regexp.MustCompile(`^(/|#|\?|https?://)`).MatchString(value) || strings.Contains(strings.ToLower(value), "javascript:") && !(description && attr == "content") {
				t.Errorf("%s: a link to %q", name, value)
			}
		}
	}
	if styles != 1 {
		t.Errorf("%s: %d style elements, the templates write one", name, styles)
	}
	if strings.Count(page, "<mark>") != strings.Count(page, "</mark>") {
		t.Errorf("%s: %d <mark> and %d </mark>", name, strings.Count(page, "<mark>"), strings.Count(page, "</mark>"))
	}
}

// checkMarked fails t unless s is escaped text whose only tags are
// <mark> and </mark>, paired and not nested, and returns the text.
func checkMarked(t *testing.T, name, s string) string {
	t.Helper()
	var plain strings.Builder
	open := false
	for s != "" {
		switch {
		case strings.HasPrefix(s, "<mark>") && !open:
			open, s = true, s[len("<mark>"):]
		case strings.HasPrefix(s, "</mark>") && open:
			open, s = false, s[len("</mark>"):]
		case strings.ContainsRune(`<>"'`, rune(s[0])):
			t.Errorf("%s: raw %q in HTML: %.120q", name, s[0], s)
			return ""
		case s[0] == '&':
			ent := regexp.MustCompile(`^&(lt|gt|amp|#34|#39);`).FindString(s)
			if ent == "" {
				t.Errorf("%s: an & that is not an escape: %.120q", name, s)
				return ""
			}
			plain.WriteString(html.UnescapeString(ent))
			s = s[len(ent):]
		default:
			plain.WriteByte(s[0])
			s = s[1:]
		}
	}
	if open {
		t.Errorf("%s: an unclosed <mark>", name)
	}
	return plain.String()
}

// squash removes white space, which snippets fold.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// TestHostileDocumentText indexes documents whose title, headings, tags,
// text, source URL and file name are markup, and checks that the API's
// HTML fields (snippet, title_html, heading_html) are escaped text with
// only <mark> tags, exactly the document's text once unescaped; that the
// plain fields are the text itself, served as JSON that browsers will not
// sniff; that the pages write only their own tags, attributes and links;
// and that the widget puts nothing but those HTML fields into innerHTML.
func TestHostileDocumentText(t *testing.T) {
	src := copyReplies(t)
	for name, text := range map[string]string{
		"hostile.md":    hostileDoc,
		`evil"'<b>&.md`: "---\ntitle: 另一份恶意测试\nsource: 'https://example.org/?a=\"><script>alert(9)</script>'\n---\n\n恶意测试的正文。\n",
		"50%off.md":     "---\ntitle: 百分之五十恶意测试\n---\n\n恶意测试，百分号。\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "index")
	runOK(t, "index", "-src", src, "-index", dir)
	srv := serveHostile(t, dir, serverConfig{}, io.Discard)
	addr := srv.Addr()
	fetch := func(target string, want int) hostileResult {
		t.Helper()
		raw := hostileReq("GET", target, "")
		res := hostileSend(addr, "GET", raw, 10*time.Second)
		if res.err != nil || res.bodyErr != nil || res.status != want {
			t.Fatalf("GET %s: %d %v %v %.300q, want %d", target, res.status, res.err, res.bodyErr, res.body, want)
		}
		reportHostile(t, raw, res)
		for _, f := range append(slices.Clone(hostileForbidden), dir, src) {
			if strings.Contains(string(res.body), f) {
				t.Errorf("GET %s: the body holds %q", target, f)
			}
		}
		return res
	}
	getJSONBody := func(target string, v any) {
		t.Helper()
		res := fetch(target, 200)
		if !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") || res.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: Content-Type %q, X-Content-Type-Options %q", target, res.header.Get("Content-Type"), res.header.Get("X-Content-Type-Options"))
		}
		if err := json.Unmarshal(res.body, v); err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
	}

	type section struct {
		Section       int
		Heading, Text string
	}
	var doc struct {
		Title    string
		Tags     []string
		Sections []section
	}
	getJSONBody("/v1/documents/hostile", &doc)
	if !strings.HasPrefix(doc.Title, `<script>alert("t")</script>`) || !slices.Contains(doc.Tags, "<b>标签</b>") || len(doc.Sections) < 3 {
		t.Fatalf("the hostile document's plain fields are not its text: %+v", doc)
	}
	texts := map[string]map[int]section{}
	docOf := func(id string) map[int]section {
		if texts[id] == nil {
			var d struct{ Sections []section }
			getJSONBody("/v1/documents/"+url.PathEscape(id), &d)
			texts[id] = map[int]section{}
			for _, s := range d.Sections {
				texts[id][s.Section] = s
			}
		}
		return texts[id]
	}

	type hit struct {
		DocID                   string `json:"doc_id"`
		Title, Heading, Snippet string
		Section                 int
		TitleHTML               string `json:"title_html"`
		HeadingHTML             string `json:"heading_html"`
	}
	checkHits := func(what string, hits []hit) {
		t.Helper()
		for _, h := range hits {
			name := what + " " + h.DocID
			if got := checkMarked(t, name+" title_html", h.TitleHTML); got != h.Title {
				t.Errorf("%s: title_html is %q once unescaped, the title %q", name, got, h.Title)
			}
			if got := checkMarked(t, name+" heading_html", h.HeadingHTML); got != h.Heading {
				t.Errorf("%s: heading_html is %q once unescaped, the heading %q", name, got, h.Heading)
			}
			snippet := strings.Trim(checkMarked(t, name+" snippet", h.Snippet), "…")
			if text := docOf(h.DocID)[h.Section].Text; !strings.Contains(squash(text), squash(snippet)) {
				t.Errorf("%s: the snippet %q is not the section's text once unescaped", name, snippet)
			}
		}
	}
	sawHostile := false
	for _, q := range []string{"恶意测试", "恶意", "script", "onerror", "mark", "lt", "amp", "alert", "<script>", "</mark>", "&lt;", `"引号"`, "b", "标签", "javascript"} {
		for _, extra := range []string{"", "&collapse=doc&facets=tags,categories,publisher"} {
			var res struct {
				Hits   []hit
				Facets map[string][]struct{ Value string }
			}
			getJSONBody("/v1/search?size=100&q="+url.QueryEscape(q)+extra, &res)
			checkHits("search "+q, res.Hits)
			for _, h := range res.Hits {
				sawHostile = sawHostile || h.DocID == "hostile"
			}
		}
	}
	if !sawHostile {
		t.Fatal("no search found the hostile document")
	}
	var rel struct{ Related []hit }
	getJSONBody("/v1/documents/hostile/related", &rel)
	checkHits("related", rel.Related)
	var sugg struct{ Suggestions []struct{ Text string } }
	getJSONBody("/v1/suggest?q="+url.QueryEscape("恶意"), &sugg)
	getJSONBody("/v1/suggest?q="+url.QueryEscape("<"), &sugg)
	// Ids with markup and percent signs are reached by their escaped form.
	for _, id := range []string{`evil"'<b>&`, "50%off"} {
		var d struct {
			DocID string `json:"doc_id"`
		}
		getJSONBody("/v1/documents/"+url.PathEscape(id), &d)
		if d.DocID != id {
			t.Errorf("document %q answered as %q", id, d.DocID)
		}
	}

	// The pages.
	for _, target := range []string{
		"/?q=" + url.QueryEscape("恶意测试"), "/?q=" + url.QueryEscape("恶意测试") + "&tag=" + url.QueryEscape("<b>标签</b>"),
		"/?q=" + url.QueryEscape("恶意测试") + "&category=" + url.QueryEscape("</mark><script>alert(2)</script>"),
		"/?q=script", "/?q=" + url.QueryEscape(`"><script>alert(10)</script>`), "/?q=" + url.QueryEscape("</mark>"),
		"/d/hostile", "/d/hostile?q=" + url.QueryEscape("恶意测试"), "/d/hostile?q=" + url.QueryEscape(`"><script>alert(11)</script>`),
		"/d/hostile?q=lt", "/d/hostile?q=mark", "/d/" + url.PathEscape(`evil"'<b>&`) + "?q=x", "/d/50%25off", "/embed",
	} {
		res := fetch(target, 200)
		checkPage(t, target, string(res.body))
	}
	page := string(fetch("/d/hostile", 200).body)
	for _, want := range []string{
		"&lt;script&gt;alert(5)&lt;/script&gt;",        // a tag in the text is text
		"&amp;lt;b&amp;gt;不是标签",                        // and so is an entity
		"&lt;/mark&gt;&lt;b&gt;恶意测试&lt;/b&gt;",         // and a closing mark
		"&lt;mark&gt;伪造的高亮&lt;/mark&gt;",               // and an opening one
		"&lt;i onmouseover=&#34;alert(3)&#34;&gt;发布机关", // the publisher
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/d/hostile lacks %q", want)
		}
	}
	if strings.Contains(page, "alert(4)") {
		t.Error("/d/hostile shows the javascript: source")
	}
	evil := string(fetch("/?q="+url.QueryEscape("另一份恶意测试"), 200).body)
	if !strings.Contains(evil, `href="https://example.org/?a=%22%3e%3cscript%3ealert%289%29%3c/script%3e"`) {
		t.Errorf("the search page does not link the document's https source, escaped:\n%s", evil)
	}
	// The embed page takes the Host a client sends; it stays text.
	quoted := "GET /embed HTTP/1.1\r\nHost: x.example'a\r\nConnection: close\r\n\r\n"
	res := hostileSend(addr, "GET", quoted, 10*time.Second)
	if res.err != nil || res.status != 200 {
		t.Fatalf("embed with a quote in Host: %d %v", res.status, res.err)
	}
	reportHostile(t, quoted, res)
	checkPage(t, "/embed with a quote in Host", string(res.body))

	// The widget puts only the server's escaped, marked fields into
	// innerHTML, and builds everything else as text.
	js := string(fetch("/widget.js", 200).body)
	sinks := regexp.MustCompile(`\.innerHTML\s*=\s*([^;]+);`).FindAllStringSubmatch(js, -1)
	if len(sinks) == 0 {
		t.Error("widget.js: no innerHTML found; the check below checks nothing")
	}
	for _, m := range sinks {
		if !slices.Contains([]string{"h.title_html", "h.heading_html", "h.snippet"}, strings.TrimSpace(m[1])) {
			t.Errorf("widget.js puts %q into innerHTML", m[1])
		}
	}
	for _, sink := range []string{"outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute(\"on"} {
		if strings.Contains(js, sink) {
			t.Errorf("widget.js uses %s", sink)
		}
	}
}
