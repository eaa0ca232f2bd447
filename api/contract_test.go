package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contract is api/openapi.json as kin-openapi reads it, with a router that
// finds the operation a request is for. Every response the tests get from
// the handler is checked against it (serve): its status is one the
// operation documents, its Content-Type one documented for that status,
// and its body valid against the schema given for it.
type contract struct {
	doc     *openapi3.T
	router  routers.Router
	options *openapi3filter.Options
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	// The pages, scripts and the feed are text: kin-openapi decodes only
	// text/plain as such, and their schemas ask for a string.
	for _, mediaType := range []string{"text/html", "text/javascript", "application/atom+xml"} {
		openapi3filter.RegisterBodyDecoder(mediaType, openapi3filter.PlainBodyDecoder)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPI)
	if err != nil {
		return nil, fmt.Errorf("load openapi.json: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi.json: %w", err)
	}
	options := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	// Each fault on one line, where it is: the default message holds the
	// whole schema and value.
	options.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return fmt.Sprintf("/%s: %s", strings.Join(err.JSONPointer(), "/"), err.Reason)
	})
	return &contract{doc: doc, router: router, options: options}, nil
})

func mustContract(t testing.TB) *contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// check validates one response to req, its body as a client reads it
// (after Content-Encoding), against the contract. A request the document
// has no operation for must get the API's error shape (chi's 404 and 405),
// except two answers exempt by name: a CORS preflight let through, and a
// page under /d/ whose doc_id holds unescaped slashes (the page route takes
// them; the document's {doc_id} cannot).
func (c *contract) check(req *http.Request, status int, header http.Header, body []byte) error {
	if header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("gzipped body: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("gzipped body: %w", err)
		}
	}
	route, params, err := c.router.FindRoute(req)
	switch {
	case req.Method == http.MethodOptions && status == http.StatusNoContent && req.Header.Get("Access-Control-Request-Method") != "":
		return nil // a CORS preflight let through: no operation of the API
	case errors.Is(err, routers.ErrPathNotFound) && strings.HasPrefix(req.URL.Path, "/d/") && !strings.HasPrefix(header.Get("Content-Type"), "application/json"):
		return nil // /d/{doc_id} with slashes: the page route takes them as they come
	case errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed):
		return c.checkError(status, header, body)
	case err != nil:
		return fmt.Errorf("find the operation: %w", err)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                c.options,
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("%s %s answered %d: %w", req.Method, route.Path, status, err)
	}
	return nil
}

// checkError validates a response to a request no operation documents:
// an error status with the one error body.
func (c *contract) checkError(status int, header http.Header, body []byte) error {
	if status < 400 {
		return fmt.Errorf("status %d from a route the document does not have", status)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("status %d: Content-Type %q, want the JSON error", status, ct)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("status %d: body is not JSON: %w", status, err)
	}
	schema := c.doc.Components.Schemas["Error"].Value
	if err := schema.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("status %d: body is not an Error: %w", status, err)
	}
	return nil
}

// serve serves req with h, as the tests' client does, and fails t if the
// response breaks the contract.
func serve(t testing.TB, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if err := mustContract(t).check(req, rec.Code, rec.Result().Header, rec.Body.Bytes()); err != nil {
		t.Errorf("%s %.80s: response breaks api/openapi.json: %v", req.Method, req.URL, err)
	}
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
	} {
		err := c.check(httptest.NewRequest(tc.method, tc.target, nil), tc.status, tc.header, []byte(tc.body))
		if (err == nil) != tc.valid {
			t.Errorf("%s: check says %v, want valid %v", tc.name, err, tc.valid)
		}
	}
}
