package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// A request's Host reaches the absolute links of feeds, citations and the
// embed snippet only when it is a configured public host or a loopback
// name; any other gets relative links, so one forged Host cannot poison
// what a CDN keeps for every reader. A public URL wins over all.
func TestLinksTrustNoForgedHost(t *testing.T) {
	targets := []string{"/v1/search.atom?q=a", "/v1/documents/a%2Fb/sections/1/cite", "/embed"}
	body := func(opts Options, host, target string) string {
		req := httptest.NewRequest("GET", target, nil)
		req.Host = host
		rec := serve(t, NewHandler(&fakeSearcher{}, opts), req)
		if rec.Code != 200 {
			t.Fatalf("%s with Host %s: %d %s", target, host, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	for _, target := range targets {
		b := body(Options{}, "evil.example", target)
		if strings.Contains(b, "evil.example") {
			t.Errorf("%s with Host evil.example: the host is in the answer: %.300s", target, b)
		}
		for _, tc := range []struct {
			opts       Options
			host, want string
		}{
			{Options{PublicHosts: []string{"news.example"}}, "news.example:8443", "http://news.example:8443/"},
			{Options{PublicHosts: []string{"News.Example:8443"}}, "news.example:8443", "http://news.example:8443/"},
			{Options{}, "localhost:8080", "http://localhost:8080/"},
			{Options{}, "127.0.0.1:8080", "http://127.0.0.1:8080/"},
			{Options{}, "[::1]:8080", "http://[::1]:8080/"},
			{Options{PublicURL: "https://search.example.com", PublicHosts: []string{"news.example"}}, "news.example", "https://search.example.com/"},
		} {
			if b := body(tc.opts, tc.host, target); !strings.Contains(b, tc.want) {
				t.Errorf("%s with Host %s and %+v: no link to %s in %.300s", target, tc.host, tc.opts, tc.want, b)
			}
		}
		if b := body(Options{PublicHosts: []string{"news.example"}}, "news.example.evil.example", target); strings.Contains(b, "evil.example") {
			t.Errorf("%s: a host that only starts like a public one reaches the answer", target)
		}
	}
	feed := body(Options{}, "evil.example", "/v1/search.atom?q=a")
	for _, want := range []string{"<id>urn:govsearch:/v1/search.atom?q=a</id>", `href="/d/a/b?q=a#`, "<id>urn:govsearch:/d/a/b</id>"} {
		if !strings.Contains(feed, want) {
			t.Errorf("feed for an unknown host lacks %s:\n%.600s", want, feed)
		}
	}
	if cite := body(Options{}, "evil.example", "/v1/documents/a%2Fb/sections/1/cite"); !strings.Contains(cite, `"url":"/d/a/b#`) {
		t.Errorf("citation for an unknown host: %.300s", cite)
	}
	if embed := body(Options{}, "evil.example", "/embed"); !strings.Contains(embed, "https://搜索服务的地址/widget.js") {
		t.Errorf("embed page for an unknown host: no placeholder")
	}
}
