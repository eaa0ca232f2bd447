package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/govsearch/govsearch/index"
)

// fakeSearcher records the last request and answers from fixed data.
type fakeSearcher struct {
	last index.SearchRequest
	err  error
}

var _ Searcher = (*fakeSearcher)(nil)

func (f *fakeSearcher) Search(ctx context.Context, req index.SearchRequest) (*index.SearchResult, error) {
	f.last = req
	if f.err != nil {
		return nil, f.err
	}
	res := &index.SearchResult{Query: req.Query, Total: 1, Took: 1500 * time.Microsecond, Hits: []index.Hit{{
		ID: "a/b#1", DocID: "a/b", Section: 1, Title: "标题", Heading: "一、关于", Score: 1.5,
		Date: time.Date(2020, 11, 7, 13, 20, 52, 0, time.FixedZone("CST", 8*3600)), Snippet: "<mark>词</mark>",
		TitleHTML: "<mark>标题</mark>", HeadingHTML: "一、关于", Publisher: "国务院办公厅", Source: "https://example.org/a",
	}}}
	if req.Collapse {
		res.Hits[0].MoreSections = 2
	}
	if req.Query == "joint" {
		res.Hits[0].Publisher, res.Hits[0].Issuers = "最高人民法院、最高人民检察院", []string{"最高人民法院", "最高人民检察院"}
	}
	if len(req.Facets) > 0 {
		res.Facets = map[string][]index.FacetCount{"tags": {{Value: "复函", Count: 3}}}
	}
	return res, nil
}

func (f *fakeSearcher) Stats(ctx context.Context) (*index.Stats, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &index.Stats{Documents: 1, Sections: 2, IndexBytes: 3, BuiltAt: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC),
		BuildTime: 1500 * time.Millisecond, FormatVersion: index.FormatVersion, Variant: index.VariantGovsearch, Dictionary: "d1", Synonyms: "s1"}, nil
}

func (f *fakeSearcher) Suggest(ctx context.Context, prefix string, n int) ([]index.Suggestion, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := []index.Suggestion{{Text: prefix + "联网", Kind: index.SuggestWord, Count: 7}, {Text: "关于" + prefix, Kind: index.SuggestTitle, Count: 2}}
	return out[:min(n, len(out))], nil
}

func (f *fakeSearcher) Related(ctx context.Context, id string) (*index.Related, error) {
	if id != "a/b" {
		return nil, fmt.Errorf("document %q: %w", id, index.ErrNotFound)
	}
	return &index.Related{Keywords: []string{"运动会"}, Hits: []index.Hit{{ID: "c#2", DocID: "c", Section: 2, Title: "另一个", TitleHTML: "另一个"}}}, nil
}

func (f *fakeSearcher) Document(ctx context.Context, id string) (*index.Reply, error) {
	if id != "a/b" {
		return nil, fmt.Errorf("document %q: %w", id, index.ErrNotFound)
	}
	return &index.Reply{DocID: id, Title: "标题", Meta: map[string]any{"source": "https://example.org/a", "publisher": "国务院办公厅"},
		Sections: []index.Section{{Num: 0, Text: "前言"}, {Num: 1, Heading: "一、关于", Text: "正文"}}}, nil
}

func get(t *testing.T, h http.Handler, target string) (int, map[string]any) {
	t.Helper()
	rec := serve(t, h, httptest.NewRequest(http.MethodGet, target, nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", target, ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("GET %s: body %q is not JSON: %v", target, rec.Body.String(), err)
	}
	return rec.Code, body
}

func TestSearchResponseShape(t *testing.T) {
	f := &fakeSearcher{}
	code, body := get(t, NewHandler(f, Options{}), "/v1/search?q="+url.QueryEscape("工业 互联网")+"&from=20&size=5")
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, body)
	}
	if f.last.Query != "工业 互联网" || f.last.From != 20 || f.last.Size != 5 {
		t.Errorf("request passed on as %+v", f.last)
	}
	for _, key := range []string{"query", "total", "took_ms", "hits"} {
		if _, ok := body[key]; !ok {
			t.Errorf("response lacks %q: %v", key, body)
		}
	}
	hit := body["hits"].([]any)[0].(map[string]any)
	want := map[string]any{"id": "a/b#1", "doc_id": "a/b", "section": 1.0, "title": "标题", "heading": "一、关于",
		"date": "2020-11-07T13:20:52+08:00", "score": 1.5, "snippet": "<mark>词</mark>", "title_html": "<mark>标题</mark>",
		"heading_html": "一、关于", "publisher": "国务院办公厅", "source": "https://example.org/a"}
	for k, v := range want {
		if hit[k] != v {
			t.Errorf("hit[%q] = %v, want %v", k, hit[k], v)
		}
	}
	if _, ok := hit["tags"].([]any); !ok {
		t.Errorf("hit tags = %v, want a list (empty, not null)", hit["tags"])
	}
}

func TestSearchParameterErrors(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	tests := []struct{ query, param string }{
		{"q=" + strings.Repeat("字", index.MaxQueryLen+1), "q"},
		{"q=a&q=b", "q"},
		{"q=a&qq=b", "qq"},
		{"q=%ZZ", "q"},
		{"q=a&tag=b%G1", "tag"},
		{"q=a&Tag=b", "Tag"},
		{"q=a&tag=", "tag"},
		{"q=a&tag=%FF", "tag"},
		{"q=a&tag=" + strings.Repeat("字", 101), "tag"},
		{"q=a" + strings.Repeat("&tag=x", index.MaxFilterValues+1), "tag"},
		{"q=a&category=+", "category"},
		{"q=a&publisher=", "publisher"},
		{"q=a&since=2020-13-01", "since"},
		{"q=a&since=yesterday", "since"},
		{"q=a&until=2020-1-1", "until"},
		{"q=a&since=2021-01-01&until=2020-12-31", "until"},
		// Past what bleve holds: they had answered 500.
		{"q=a&since=2262-04-12", "since"},
		{"q=a&until=1677-09-21", "until"},
		{"q=a&issuer=", "issuer"},
		{"q=a&sort=newest", "sort"},
		{"q=a&sort=date&sort=-date", "sort"},
		{"q=a&collapse=section", "collapse"},
		{"q=a&facets=tags,authors", "facets"},
		{"q=a&term=0", "term"},
		{"q=a&term=100", "term"},
		{"q=a&session=three", "session"},
		{"q=a&proposal_no=-1", "proposal_no"},
		{"q=a&term=13&term=14", "term"},
		{"q=a&ministry=", "ministry"},
		{"q=a&addressee=%FF", "addressee"},
		{"q=%FF%FE", "q"},
		{"q=a&size=0", "size"},
		{"q=a&size=101", "size"},
		{"q=a&size=ten", "size"},
		{"q=a&from=-1", "from"},
		{"q=a&from=9995&size=10", "from"},
		{"q=a&from=99999999999999999999", "from"},
	}
	for _, tt := range tests {
		code, body := get(t, h, "/v1/search?"+tt.query)
		e, _ := body["error"].(map[string]any)
		msg, _ := e["message"].(string)
		if code != http.StatusBadRequest || e["code"] != "invalid_parameter" || !strings.HasPrefix(msg, tt.param+": ") || e["param"] != tt.param {
			t.Errorf("?%s: %d %v, want 400 invalid_parameter naming %s", truncate(tt.query, 30), code, body, tt.param)
		}
	}
	// Without q, a search lists what the filters let through.
	for _, query := range []string{"", "q=", "tag=a&sort=-date"} {
		if code, body := get(t, h, "/v1/search?"+query); code != http.StatusOK {
			t.Errorf("?%s: %d %v", query, code, body)
		}
	}
	code, _ := get(t, h, "/v1/search?q="+strings.Repeat("字", index.MaxQueryLen))
	if code != http.StatusOK {
		t.Errorf("q at the limit: status %d", code)
	}
}

func TestSearchParametersPassedOn(t *testing.T) {
	f := &fakeSearcher{}
	h := NewHandler(f, Options{})
	code, body := get(t, h, "/v1/search?q=a&tag=复函&tag=体育&category=其他&publisher=国务院办公厅&since=2004-11-04&until=2006-10-18&sort=-date&collapse=doc&facets=tags,year,tags,publisher"+
		"&addressee=张连起&addressee=王超斌&ministry=工业和信息化部&kind=提案答复&term=13&session=3&proposal_no=2524")
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, body)
	}
	got := fmt.Sprintf("%v %v %v %s %s %s %v %v", f.last.Tags, f.last.Categories, f.last.Publishers,
		f.last.Since.Format(time.DateOnly), f.last.Until.Format(time.DateOnly), f.last.Sort, f.last.Collapse, f.last.Facets)
	if want := "[复函 体育] [其他] [国务院办公厅] 2004-11-04 2006-10-18 -date true [tags year publisher]"; got != want {
		t.Errorf("request passed on as %s, want %s", got, want)
	}
	reply := fmt.Sprintf("%v %v %v %d %d %d", f.last.Addressees, f.last.Ministries, f.last.Kinds, f.last.Term, f.last.Session, f.last.ProposalNo)
	if want := "[张连起 王超斌] [工业和信息化部] [提案答复] 13 3 2524"; reply != want {
		t.Errorf("reply filters passed on as %s, want %s", reply, want)
	}
	hit := body["hits"].([]any)[0].(map[string]any)
	if hit["more_sections"] != 2.0 {
		t.Errorf("collapsed hit: more_sections = %v, want 2", hit["more_sections"])
	}
	facets, _ := body["facets"].(map[string]any)
	if fmt.Sprint(facets["tags"]) != "[map[count:3 value:复函]]" {
		t.Errorf("facets = %v", body["facets"])
	}
	_, body = get(t, h, "/v1/search?q=a")
	if hit := body["hits"].([]any)[0].(map[string]any); hit["more_sections"] != nil || body["facets"] != nil {
		t.Errorf("uncollapsed search without facets: more_sections %v, facets %v", hit["more_sections"], body["facets"])
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("plan: %w: nothing to search", index.ErrBadQuery), 400, "invalid_query"},
		{fmt.Errorf("search: %w", context.DeadlineExceeded), 503, "timeout"},
		{errors.New("disk on fire at /secret/path"), 500, "internal"},
	}
	for _, tt := range tests {
		code, body := get(t, NewHandler(&fakeSearcher{err: tt.err}, Options{}), "/v1/search?q=a")
		e := body["error"].(map[string]any)
		if code != tt.status || e["code"] != tt.code {
			t.Errorf("%v: %d %v, want %d %s", tt.err, code, body, tt.status, tt.code)
		}
		if tt.status == 500 && strings.Contains(fmt.Sprint(body), "secret") {
			t.Errorf("500 body leaks the error: %v", body)
		}
	}
}

func TestDocumentRoute(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	code, body := get(t, h, "/v1/documents/a%2Fb")
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, body)
	}
	if body["doc_id"] != "a/b" || body["source"] != "https://example.org/a" || len(body["sections"].([]any)) != 2 {
		t.Errorf("document = %v", body)
	}
	if fm := body["front_matter"].(map[string]any); fm["publisher"] != "国务院办公厅" || fm["title"] != "标题" {
		t.Errorf("front_matter = %v", fm)
	}
	for target, want := range map[string]int{
		"/v1/documents/nope":               404,
		"/v1/documents/..%2Fetc%2Fpasswd":  400,
		"/v1/documents/%2Fetc%2Fpasswd":    400,
		"/v1/documents/a%2F..%2F..%2Fb":    400,
		"/v1/documents/a%5Cb":              400,
		"/v1/documents/a%00b":              400,
		"/v1/nothing-here":                 404,
		"/v1/documents/a%2Fb/unknown-part": 404,
	} {
		code, body := get(t, h, target)
		if code != want {
			t.Errorf("GET %s: %d %v, want %d", target, code, body, want)
		}
		if _, ok := body["error"].(map[string]any); !ok {
			t.Errorf("GET %s: body %v lacks error", target, body)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	rec := serve(t, NewHandler(&fakeSearcher{}, Options{}), httptest.NewRequest(http.MethodPost, "/v1/search?q=a", nil))
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Body.String(), `"method_not_allowed"`) {
		t.Errorf("POST /v1/search: %d %s", rec.Code, rec.Body.String())
	}
}

func TestHealthz(t *testing.T) {
	code, body := get(t, NewHandler(&fakeSearcher{}, Options{}), "/healthz")
	if code != 200 || body["status"] != "ok" {
		t.Errorf("healthz: %d %v", code, body)
	}
}

func TestReadyz(t *testing.T) {
	code, body := get(t, NewHandler(&fakeSearcher{}, Options{}), "/readyz")
	if code != 200 || body["status"] != "ready" {
		t.Errorf("readyz: %d %v", code, body)
	}
	code, body = get(t, NewHandler(&fakeSearcher{err: errors.New("index closed")}, Options{}), "/readyz")
	if e, _ := body["error"].(map[string]any); code != 503 || e["code"] != "not_ready" {
		t.Errorf("readyz on a failing index: %d %v", code, body)
	}
}

func TestRequestIDHeader(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	for _, target := range []string{"/healthz", "/v1/search?size=0", "/nowhere"} {
		rec := serve(t, h, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Header().Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id", target)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("X-Request-Id", "client-42")
	rec := serve(t, h, req)
	if got := rec.Header().Get("X-Request-Id"); got != "client-42" {
		t.Errorf("X-Request-Id = %q, want the client's", got)
	}
}
