package api

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govsearch/govsearch/api/apitest"
	"github.com/govsearch/govsearch/index"
)

// loadContract reads api/openapi.json once for the package's tests.
var loadContract = sync.OnceValues(func() (*apitest.Contract, error) { return apitest.Load(openAPI) })

func mustContract(t testing.TB) *apitest.Contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serve serves req with h, as the tests' client does, and fails t if the
// response breaks the contract.
func serve(t testing.TB, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	mustContract(t).Report(t, req, rec.Code, rec.Result().Header, rec.Body.Bytes())
	return rec
}

// The contract bites: a response that lacks what the document requires,
// or comes with another status or Content-Type, fails the check.
func TestContractRejectsBrokenResponses(t *testing.T) {
	c := mustContract(t)
	rec := serve(t, NewHandler(&fakeSearcher{}, Options{}), httptest.NewRequest("GET", "/v1/search?q=a&collapse=doc", nil))
	var search map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &search); err != nil {
		t.Fatal(err)
	}
	// without returns search as JSON with one key of its first hit removed.
	without := func(key string) string {
		hit := maps.Clone(search["hits"].([]any)[0].(map[string]any))
		delete(hit, key)
		out := maps.Clone(search)
		out["hits"] = []any{hit}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	jsonType := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for _, tc := range []struct {
		name, method, target string
		status               int
		header               http.Header
		body                 string
		valid                bool
	}{
		{"the handler's search", "GET", "/v1/search?q=a", 200, jsonType, rec.Body.String(), true},
		{"an empty search response", "GET", "/v1/search?q=a", 200, jsonType, `{}`, false},
		{"a hit without doc_id", "GET", "/v1/search?q=a", 200, jsonType, without("doc_id"), false},
		{"a hit without anchor", "GET", "/v1/search?q=a", 200, jsonType, without("anchor"), false},
		{"a hit without more_sections", "GET", "/v1/search?q=a", 200, jsonType, without("more_sections"), true},
		{"a search as HTML", "GET", "/v1/search?q=a", 200, http.Header{"Content-Type": {"text/html; charset=utf-8"}}, rec.Body.String(), false},
		{"a search with an undocumented status", "GET", "/v1/search?q=a", 201, jsonType, rec.Body.String(), false},
		{"an error without its code", "GET", "/v1/search?q=a", 400, jsonType, `{"error": {"message": "q: bad"}}`, false},
		{"an empty health check", "GET", "/healthz", 200, jsonType, `{}`, false},
		{"a deletion without doc_id", "DELETE", "/v1/documents/a%2Fb", 200, jsonType, `{"deleted": true}`, false},
		{"a 404 off the routes without the error shape", "GET", "/nowhere", 404, jsonType, `{"status": "ok"}`, false},
		{"a 200 off the routes", "GET", "/nowhere", 200, jsonType, `{}`, false},
		{"a HEAD of the search", "HEAD", "/v1/search?q=a", 200, jsonType, ``, true},
		{"a HEAD of the search as HTML", "HEAD", "/v1/search?q=a", 200, http.Header{"Content-Type": {"text/html; charset=utf-8"}}, ``, false},
		{"a HEAD off the routes", "HEAD", "/nowhere", 404, jsonType, ``, true},
		{"a documented 304", "GET", "/v1/search?q=a", 304, http.Header{}, ``, true},
		{"an undocumented 304", "GET", "/v1/stats", 304, http.Header{}, ``, false},
	} {
		err := c.Check(httptest.NewRequest(tc.method, tc.target, nil), tc.status, tc.header, []byte(tc.body))
		if (err == nil) != tc.valid {
			t.Errorf("%s: check says %v, want valid %v", tc.name, err, tc.valid)
		}
	}
}

// fullSearcher answers with every optional part a response can carry: a
// reply's data, a reading of the query, sections matched across, facets,
// an incremental build's changes and a failed rebuild's error.
type fullSearcher struct{ fakeRebuilder }

func (f *fullSearcher) Search(ctx context.Context, req index.SearchRequest) (*index.SearchResult, error) {
	res, err := f.fakeRebuilder.Search(ctx, req)
	if err != nil {
		return nil, err
	}
	hit := &res.Hits[0]
	hit.Issuers = []string{"国务院办公厅"}
	hit.Reply = &index.ReplyInfo{Kind: "提案答复", Body: "全国政协", Term: 13, Session: 3, ProposalNo: 2524,
		ProposalCategory: "公交邮电类240号", ProposalTitle: "关于加快工业互联网发展的提案", Addressees: []string{"张连起"},
		AddresseeRole: "委员", Ministry: "工业和信息化部", ContactUnit: "工业和信息化部信息技术发展司",
		ReplyDate: time.Date(2020, 11, 7, 0, 0, 0, 0, time.UTC)}
	if req.Collapse {
		hit.MatchedSections = []index.SectionMatch{{Section: 2, Heading: "二、关于", Anchor: "s-1a2b3c4d", Parts: []string{"互联网"}}}
	}
	res.Interpreted = &index.Interpretation{Query: "互联网", Readings: []index.Reading{{Text: "2020年", Filter: index.FilterDate, Value: "2020-01-01..2020-12-31"}}}
	res.Facets = map[string][]index.FacetCount{"tags": {{Value: "复函", Count: 3}}, "year": {}}
	return res, nil
}

func (f *fullSearcher) Stats(ctx context.Context) (*index.Stats, error) {
	st, err := f.fakeRebuilder.Stats(ctx)
	if err != nil {
		return nil, err
	}
	st.UserDict, st.SynonymsFile, st.BuildKind = "/etc/govsearch/user.dict", "/etc/govsearch/synonyms.txt", "incremental"
	st.Changes = &index.Changes{Added: []string{"c"}, Changed: []string{}, Removed: []string{"d"}, Unchanged: 10}
	st.Writes = []index.Write{{Kind: index.WriteDelete, DocID: "a/b", Written: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}}
	return st, nil
}

func (f *fullSearcher) Document(ctx context.Context, id string) (*index.Reply, error) {
	doc, err := f.fakeRebuilder.Document(ctx, id)
	if err != nil {
		return nil, err
	}
	doc.Date = time.Date(2020, 11, 7, 0, 0, 0, 0, time.UTC)
	doc.Info = index.ReplyInfo{Kind: "复函", Ministry: "工业和信息化部"}
	return doc, nil
}

func (f *fullSearcher) Rebuild() index.RebuildStatus {
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	return index.RebuildStatus{State: "failed", Started: start, Ended: start.Add(time.Minute), FilesDone: 3, Files: 12,
		Summary: &index.BuildSummary{Kind: "incremental", Documents: 3, Sections: 9, Changes: &index.Changes{Added: []string{"c"}}},
		Err:     "parse c.md: front matter: line 2"}
}

// Every operation the document lists is served once with a success, with
// every optional part of its body, through the contract: a schema no test
// reaches is still checked, and a new route must be added here.
func TestContractEveryOperation(t *testing.T) {
	h := NewHandler(&fullSearcher{}, Options{AdminToken: "s3cret", Build: index.BuildOptions{Source: "/src"}})
	served := map[string]bool{}
	for _, tc := range []struct {
		method, operation, target, body string
	}{
		{"GET", "/", "/?q=" + url.QueryEscape("工业 互联网"), ""},
		{"GET", "/d/{doc_id}", "/d/a%2Fb", ""},
		{"GET", "/embed", "/embed", ""},
		{"GET", "/widget.js", "/widget.js", ""},
		{"GET", "/page.js", "/page.js", ""},
		{"GET", "/favicon.ico", "/favicon.ico", ""},
		{"GET", "/v1/search", "/v1/search?q=a&facets=tags,year", ""},
		{"GET", "/v1/search", "/v1/search?q=a&collapse=doc", ""},
		{"GET", "/v1/search.atom", "/v1/search.atom?q=a", ""},
		{"GET", "/v1/suggest", "/v1/suggest?q=" + url.QueryEscape("工业"), ""},
		{"GET", "/v1/documents/{doc_id}", "/v1/documents/a%2Fb", ""},
		{"PUT", "/v1/documents/{doc_id}", "/v1/documents/new%2Fone", newDoc},
		{"DELETE", "/v1/documents/{doc_id}", "/v1/documents/a%2Fb", ""},
		{"GET", "/v1/documents/{doc_id}/related", "/v1/documents/a%2Fb/related", ""},
		{"GET", "/v1/documents/{doc_id}/sections/{n}/cite", "/v1/documents/a%2Fb/sections/1/cite", ""},
		{"GET", "/v1/stats", "/v1/stats", ""},
		{"GET", "/healthz", "/healthz", ""},
		{"GET", "/readyz", "/readyz", ""},
		{"GET", "/metrics", "/metrics", ""},
		{"GET", "/openapi.json", "/openapi.json", ""},
		{"POST", "/v1/admin/reindex", "/v1/admin/reindex?mode=incremental", ""},
		{"GET", "/v1/admin/reindex", "/v1/admin/reindex", ""},
		{"POST", "/v1/admin/reload", "/v1/admin/reload", ""},
	} {
		req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer s3cret")
		if rec := serve(t, h, req); rec.Code < 200 || rec.Code > 299 {
			t.Errorf("%s %s: %d %.200s", tc.method, tc.target, rec.Code, rec.Body)
		}
		served[tc.method+" "+tc.operation] = true
	}
	for _, op := range mustContract(t).Operations() {
		if !served[op] {
			t.Errorf("%s is not served here", op)
		}
	}
}
