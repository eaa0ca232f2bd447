package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]struct {
		Parameters []struct {
			Ref  string `json:"$ref"`
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		Responses map[string]any `json:"responses"`
	} `json:"paths"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// The document and the router describe the same routes.
func TestOpenAPIMatchesRouter(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			if len(op.Responses) == 0 {
				t.Errorf("%s %s documents no responses", method, path)
			}
		}
	}
	// Every route: admin ones included, rate limited.
	router := NewHandler(&fakeRebuilder{}, Options{RateLimit: 1, RateBurst: 1, AdminToken: "t"}).(chi.Routes)
	err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if route != "/" {
			route = strings.TrimSuffix(route, "/")
		}
		// The document page takes the doc_id with its slashes unescaped.
		route = strings.Replace(route, "/d/*", "/d/{doc_id}", 1)
		served = append(served, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Errorf("routes differ:\ndocumented:\n%s\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
}

// The search parameters documented are those the handler takes.
func TestOpenAPISearchParameters(t *testing.T) {
	doc := loadOpenAPI(t)
	var documented, taken []string
	for _, p := range doc.Paths["/v1/search"]["get"].Parameters {
		documented = append(documented, p.Name)
	}
	for name := range searchParams {
		taken = append(taken, name)
	}
	slices.Sort(documented)
	slices.Sort(taken)
	if strings.Join(documented, ",") != strings.Join(taken, ",") {
		t.Errorf("search parameters: documented %v, taken %v", documented, taken)
	}
}

// Every $ref points at something in the document.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch t2 := v.(type) {
		case map[string]any:
			if ref, ok := t2["$ref"].(string); ok {
				var node any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := node.(map[string]any)
					node = m[part]
				}
				if node == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, e := range t2 {
				walk(e)
			}
		case []any:
			for _, e := range t2 {
				walk(e)
			}
		}
	}
	walk(doc)
}

func TestOpenAPIServed(t *testing.T) {
	code, body := get(t, NewHandler(&fakeSearcher{}, Options{}), "/openapi.json")
	if code != 200 || body["openapi"] != "3.1.0" {
		t.Errorf("/openapi.json: %d %v", code, body["openapi"])
	}
}
