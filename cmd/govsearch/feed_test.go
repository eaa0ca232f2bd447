package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govsearch/govsearch/api"
)

// atomDoc is an Atom document read back for checking: every child the
// RFC constrains, kept as lists so that "exactly one" can be counted.
type atomDoc struct {
	XMLName xml.Name
	IDs     []string       `xml:"id"`
	Titles  []atomTextEl   `xml:"title"`
	Updated []string       `xml:"updated"`
	Authors []atomAuthorEl `xml:"author"`
	Links   []atomLinkEl   `xml:"link"`
	Entries []atomEntryEl  `xml:"entry"`
}

type atomTextEl struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
	// Inner holds any child elements: a text construct of type text or
	// html has none.
	Inner []xml.Name `xml:",any"`
}

type atomAuthorEl struct {
	Names []string `xml:"name"`
}

type atomLinkEl struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type atomEntryEl struct {
	IDs        []string       `xml:"id"`
	Titles     []atomTextEl   `xml:"title"`
	Updated    []string       `xml:"updated"`
	Published  []string       `xml:"published"`
	Authors    []atomAuthorEl `xml:"author"`
	Links      []atomLinkEl   `xml:"link"`
	Summaries  []atomTextEl   `xml:"summary"`
	Contents   []atomTextEl   `xml:"content"`
	Categories []struct {
		Term string `xml:"term,attr"`
	} `xml:"category"`
}

// checkAtom checks a feed against RFC 4287's rules: the Atom namespace;
// exactly one id (an absolute IRI), title and updated (an RFC 3339 date)
// in the feed and in each entry; an author for the feed or every entry;
// at most one alternate link per type; a self link; in each entry an
// alternate link (it has no content) and a summary; entry ids unique; text
// constructs of type text or html only, holding no elements (markup in
// them is escaped text). It returns the problems found.
func checkAtom(body []byte) (atomDoc, []string) {
	var feed atomDoc
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, strings.TrimSpace(fmt.Sprintf(format, args...)))
	}
	if err := xml.Unmarshal(body, &feed); err != nil {
		return feed, []string{"not XML: " + err.Error()}
	}
	if feed.XMLName.Space != "http://www.w3.org/2005/Atom" || feed.XMLName.Local != "feed" {
		bad("root element %v, want atom:feed", feed.XMLName)
	}
	iri := func(where, s string) {
		u, err := url.Parse(s)
		if err != nil || !u.IsAbs() {
			bad("%s: id %q is not an absolute IRI", where, s)
		}
	}
	date := func(where, s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			bad("%s: %q is not an RFC 3339 date", where, s)
		}
		return t
	}
	text := func(where string, ts []atomTextEl, required bool) {
		if len(ts) > 1 || required && len(ts) != 1 {
			bad("%s: %d elements, want one", where, len(ts))
		}
		for _, t := range ts {
			if t.Type != "" && t.Type != "text" && t.Type != "html" {
				bad("%s: type %q", where, t.Type)
			}
			if len(t.Inner) > 0 {
				bad("%s: holds elements %v: markup must be escaped", where, t.Inner)
			}
		}
	}
	links := func(where string, ls []atomLinkEl) {
		alternate := map[string]int{}
		for _, l := range ls {
			if l.Href == "" {
				bad("%s: a link without href", where)
			}
			if l.Rel == "" || l.Rel == "alternate" {
				alternate[l.Type]++
			}
		}
		for typ, n := range alternate {
			if n > 1 {
				bad("%s: %d alternate links of type %q", where, n, typ)
			}
		}
	}
	if len(feed.IDs) != 1 {
		bad("feed: %d ids", len(feed.IDs))
	} else {
		iri("feed", feed.IDs[0])
	}
	text("feed title", feed.Titles, true)
	if len(feed.Updated) != 1 {
		bad("feed: %d updated", len(feed.Updated))
	} else {
		date("feed updated", feed.Updated[0])
	}
	links("feed", feed.Links)
	if !slices.ContainsFunc(feed.Links, func(l atomLinkEl) bool { return l.Rel == "self" }) {
		bad("feed: no self link")
	}
	seen := map[string]bool{}
	for i, e := range feed.Entries {
		where := fmt.Sprintf("entry %d", i)
		if len(e.IDs) != 1 {
			bad("%s: %d ids", where, len(e.IDs))
		} else {
			iri(where, e.IDs[0])
			if seen[e.IDs[0]] {
				bad("%s: id %s repeated", where, e.IDs[0])
			}
			seen[e.IDs[0]] = true
		}
		text(where+" title", e.Titles, true)
		text(where+" summary", e.Summaries, true)
		if len(e.Updated) != 1 {
			bad("%s: %d updated", where, len(e.Updated))
		} else {
			date(where+" updated", e.Updated[0])
		}
		if len(e.Published) > 1 {
			bad("%s: %d published", where, len(e.Published))
		}
		if len(feed.Authors) == 0 && len(e.Authors) == 0 {
			bad("%s: no author, and the feed has none", where)
		}
		for _, a := range append(slices.Clone(feed.Authors), e.Authors...) {
			if len(a.Names) != 1 || a.Names[0] == "" {
				bad("%s: an author with %d names", where, len(a.Names))
			}
		}
		links(where, e.Links)
		if len(e.Contents) == 0 && !slices.ContainsFunc(e.Links, func(l atomLinkEl) bool { return l.Rel == "alternate" }) {
			bad("%s: no content and no alternate link", where)
		}
	}
	return feed, problems
}

// A saved search as a feed: valid Atom, the search's documents newest
// first, each linking to its best section's permalink, document text
// escaped, and cheap to poll (ETag, Last-Modified, 304).
func TestAtomFeed(t *testing.T) {
	src := copyReplies(t)
	if err := os.WriteFile(filepath.Join(src, "hostile.md"), []byte(hostileDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	runOK(t, "index", "-src", src, "-index", dir)
	_, base := serveIndex(t, dir, api.Options{})

	get := func(target string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+target, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := checkedClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}

	q := url.QueryEscape("国务院办公厅")
	resp, body := get("/v1/search.atom?q=" + q)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("feed: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	feed, problems := checkAtom(body)
	for _, p := range problems {
		t.Error(p)
	}
	// The same documents as the collapsed search, newest first.
	var res struct {
		Hits []struct {
			DocID string `json:"doc_id"`
		} `json:"hits"`
	}
	_, js := get("/v1/search?collapse=doc&sort=-date&size=20&q=" + q)
	if err := json.Unmarshal(js, &res); err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != len(res.Hits) || len(feed.Entries) < 10 {
		t.Fatalf("%d entries, the search has %d documents", len(feed.Entries), len(res.Hits))
	}
	var prev time.Time
	anchorRE := regexp.MustCompile(`#s-[0-9a-f]{8}$`)
	for i, e := range feed.Entries {
		if want := base + "/d/" + strings.ReplaceAll(url.PathEscape(res.Hits[i].DocID), "%2F", "/"); e.IDs[0] != want {
			t.Errorf("entry %d: id %s, want %s", i, e.IDs[0], want)
		}
		updated, _ := time.Parse(time.RFC3339, e.Updated[0])
		if i > 0 && updated.After(prev) {
			t.Errorf("entry %d (%s) is newer than the one before it (%s)", i, updated, prev)
		}
		prev = updated
		link := e.Links[0].Href
		if !strings.HasPrefix(link, e.IDs[0]+"?q=") || !anchorRE.MatchString(link) {
			t.Errorf("entry %d: link %s, want the document's page with q and a section anchor", i, link)
		}
		if len(e.Authors) != 1 || e.Authors[0].Names[0] != "国务院办公厅" {
			t.Errorf("entry %d: authors %+v", i, e.Authors)
		}
		if e.Summaries[0].Type != "html" || !strings.Contains(e.Summaries[0].Body, "<mark>") {
			t.Errorf("entry %d: summary %+v, want the snippet as html with the match marked", i, e.Summaries[0])
		}
	}
	// The linked section is on the page, under that anchor.
	link := feed.Entries[0].Links[0].Href
	_, page := get(strings.TrimPrefix(link[:strings.Index(link, "#")], base))
	if !strings.Contains(string(page), `id="`+link[strings.Index(link, "#")+1:]+`"`) {
		t.Errorf("the page of %s has no section with its anchor", link)
	}

	// Conditional requests.
	etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || modified == "" {
		t.Fatalf("ETag %q, Last-Modified %q", etag, modified)
	}
	if r, b := get("/v1/search.atom?q="+q, "If-None-Match", etag); r.StatusCode != 304 || len(b) != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", r.StatusCode, len(b))
	}
	if r, _ := get("/v1/search.atom?q="+q, "If-Modified-Since", modified); r.StatusCode != 304 {
		t.Errorf("If-Modified-Since the Last-Modified: %d", r.StatusCode)
	}
	if r, _ := get("/v1/search.atom?q="+q, "If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"); r.StatusCode != 200 {
		t.Errorf("If-Modified-Since long ago: %d", r.StatusCode)
	}
	if r, _ := get("/v1/search.atom?q="+q, "If-None-Match", `"other"`, "If-Modified-Since", modified); r.StatusCode != 200 {
		t.Errorf("a stale ETag with a fresh date: %d, want 200 (If-None-Match decides)", r.StatusCode)
	}

	// Document text stays text.
	_, body = get("/v1/search.atom?q=" + url.QueryEscape("恶意测试"))
	feed, problems = checkAtom(body)
	for _, p := range problems {
		t.Error("hostile feed: " + p)
	}
	if len(feed.Entries) != 1 || feed.Entries[0].Titles[0].Body != `<script>alert("t")</script><img src=x onerror=alert(1)>恶意标题</mark><b>粗</b>&lt;i&gt;javascript:alert(1)` {
		t.Fatalf("hostile entries: %+v", feed.Entries)
	}
	if strings.Contains(string(body), "<script") || strings.Contains(string(body), "<img") {
		t.Errorf("markup reached the feed unescaped:\n%s", body)
	}
	summary := feed.Entries[0].Summaries[0].Body // HTML, once unescaped from XML
	if tags := regexp.MustCompile(`</?([a-zA-Z]+)`).FindAllStringSubmatch(summary, -1); slices.ContainsFunc(tags, func(m []string) bool {
		return m[1] != "p" && m[1] != "strong" && m[1] != "mark"
	}) {
		t.Errorf("summary HTML has other tags than p, strong and mark: %s", summary)
	}

	// Parameters are checked as the search's are; an empty search is a
	// valid, empty-enough feed.
	if r, b := get("/v1/search.atom?size=0"); r.StatusCode != 400 || !strings.Contains(string(b), `"param":"size"`) {
		t.Errorf("size=0: %d %s", r.StatusCode, b)
	}
	_, body = get("/v1/search.atom?q=" + url.QueryEscape("没有这样的词语组合"))
	if feed, problems := checkAtom(body); len(problems) > 0 || len(feed.Entries) != 0 {
		t.Errorf("empty feed: %v %+v", problems, feed.Entries)
	}
}

// Citations by number and by permalink anchor, the same section either
// way; the document page anchors every section and offers the button.
func TestCiteSection(t *testing.T) {
	dir := buildTestIndex(t)
	_, base := serveIndex(t, dir, api.Options{PublicURL: "https://news.example/search/"})
	const doc = "reply-miit-2020-2524"
	code, byNum := getJSON(t, base+"/v1/documents/"+doc+"/sections/1/cite")
	if code != 200 {
		t.Fatalf("cite 1: %d %v", code, byNum)
	}
	anchor, _ := byNum["anchor"].(string)
	if !regexp.MustCompile(`^s-[0-9a-f]{8}$`).MatchString(anchor) || byNum["url"] != "https://news.example/search/d/"+doc+"#"+anchor {
		t.Errorf("anchor %q, url %v", anchor, byNum["url"])
	}
	forms, _ := byNum["forms"].(map[string]any)
	report, _ := forms["report"].(string)
	if !strings.HasPrefix(report, "工业和信息化部在《") || !strings.Contains(report, "（2020年11月7日）中“一、") {
		t.Errorf("report form %q", report)
	}
	code, byAnchor := getJSON(t, base+"/v1/documents/"+doc+"/sections/"+anchor+"/cite")
	if code != 200 || byAnchor["section"] != byNum["section"] || byAnchor["text"] != byNum["text"] {
		t.Errorf("cite by anchor: %d %v", code, byAnchor)
	}
	for ref, want := range map[string]int{"99": 404, "s-00000000": 404, "-1": 404, strings.Repeat("9", 41): 400} {
		if code, body := getJSON(t, base+"/v1/documents/"+doc+"/sections/"+ref+"/cite"); code != want {
			t.Errorf("cite %s: %d %v, want %d", ref, code, body, want)
		}
	}
	if code, _ := getJSON(t, base+"/v1/documents/nope/sections/0/cite"); code != 404 {
		t.Errorf("cite in a missing document: %d", code)
	}
	// The page: the section under its anchor and its old #sN, a hidden
	// button (shown by the page's script) and the script itself.
	resp, err := checkedClient(t).Get(base + "/d/" + doc)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`<section id="` + anchor + `"><span id="s1"></span>`, `data-cite="/v1/documents/` + doc + `/sections/` + anchor + `/cite" hidden>复制引用</button>`, `<script src="/page.js?v=`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("document page lacks %q", want)
		}
	}
	resp, err = checkedClient(t).Get(base + "/page.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(js), "forms.report") || resp.Header.Get("ETag") == "" {
		t.Errorf("page.js: %d %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

// Interpretation over HTTP: the API says how it read q and raw=1 turns it
// off; the search page shows each reading as a chip that applies it as a
// filter (只看) or searches the part as typed (✕), and offers the
// search's feed.
func TestInterpretationOverHTTP(t *testing.T) {
	dir := buildTestIndex(t)
	_, base := serveIndex(t, dir, api.Options{})
	q := url.QueryEscape("2020年 工信部 5G")
	code, body := getJSON(t, base+"/v1/search?q="+q)
	in, _ := body["interpreted"].(map[string]any)
	if code != 200 || in == nil || in["query"] != "5G" || len(in["readings"].([]any)) != 2 || body["total"].(float64) < 1 {
		t.Fatalf("interpreted search: %d %v", code, body)
	}
	if code, raw := getJSON(t, base+"/v1/search?raw=1&q="+q); code != 200 || raw["interpreted"] != nil {
		t.Errorf("raw=1: %d %v", code, raw["interpreted"])
	}
	if code, bad := getJSON(t, base+"/v1/search?raw=yes&q="+q); code != 400 {
		t.Errorf("raw=yes: %d %v", code, bad)
	}
	resp, err := checkedClient(t).Get(base + "/?q=" + q)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`<link rel="alternate" type="application/atom+xml" title="订阅这个搜索" href="/v1/search.atom?q=2020%E5%B9%B4&#43;%E5%B7%A5%E4%BF%A1%E9%83%A8&#43;5G">`,
		// Each reading: 只看 applies it as a filter without the part, ✕
		// searches the part as typed (quoted).
		`2020年 → 日期：2020-01-01 至 2020-12-31<span class="ways">`, `工信部 → 发文机关：工业和信息化部<span class="ways">`,
		`href="/?q=%E5%B7%A5%E4%BF%A1%E9%83%A8&#43;5G&amp;since=2020-01-01&amp;until=2020-12-31" title="只看日期：2020-01-01 至 2020-12-31的文件">只看</a>`,
		`href="/?issuer=%E5%B7%A5%E4%B8%9A%E5%92%8C%E4%BF%A1%E6%81%AF%E5%8C%96%E9%83%A8&amp;q=2020%E5%B9%B4&#43;5G" title="只看发文机关：工业和信息化部的文件">只看</a>`,
		`href="/?q=%E2%80%9C2020%E5%B9%B4%E2%80%9D&#43;%E5%B7%A5%E4%BF%A1%E9%83%A8&#43;5G" aria-label="按原文搜索“2020年”"`,
		`href="/?q=2020%E5%B9%B4&#43;%E5%B7%A5%E4%BF%A1%E9%83%A8&#43;5G&amp;raw=1">全部按原文搜索`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("search page lacks %q\n%s", want, page[:min(len(page), 4000)])
		}
	}
}
