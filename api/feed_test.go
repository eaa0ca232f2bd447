package api

import (
	"encoding/xml"
	"net/http/httptest"
	"slices"
	"testing"
)

// A document issued jointly has an author for each body in the feed, and
// its hit lists them as issuers.
func TestJointIssuersInFeedAndHits(t *testing.T) {
	h := NewHandler(&fakeSearcher{}, Options{})
	rec := serve(t, h, httptest.NewRequest("GET", "/v1/search.atom?q=joint", nil))
	if rec.Code != 200 {
		t.Fatalf("feed: %d %s", rec.Code, rec.Body)
	}
	var feed struct {
		Entries []struct {
			Authors []struct {
				Name string `xml:"name"`
			} `xml:"author"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != 1 {
		t.Fatalf("%d entries", len(feed.Entries))
	}
	var names []string
	for _, a := range feed.Entries[0].Authors {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{"最高人民法院", "最高人民检察院"}) {
		t.Errorf("authors %q, want both bodies", names)
	}
	_, body := get(t, h, "/v1/search?q=joint")
	hit := body["hits"].([]any)[0].(map[string]any)
	if hit["publisher"] != "最高人民法院、最高人民检察院" || len(hit["issuers"].([]any)) != 2 {
		t.Errorf("hit publisher %v, issuers %v", hit["publisher"], hit["issuers"])
	}
}
