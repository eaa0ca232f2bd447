// Package apitest checks HTTP responses against govsearch's OpenAPI
// contract, for the tests of api and of the commands. It exists so that
// the checker is written once: the api package's tests hold its handler
// to api/openapi.json, and the end-to-end tests of cmd/govsearch hold the
// real server, over a real listener, to the same document. Only tests
// import it, which keeps kin-openapi out of the binary.
//
// It does not import api (api's own tests could not import it then): the
// caller passes the document, api.OpenAPI() outside the package.
package apitest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

func init() {
	// The pages, scripts and the feed are text: kin-openapi decodes only
	// text/plain as such, and their schemas ask for a string.
	for _, mediaType := range []string{"text/html", "text/javascript", "application/atom+xml"} {
		openapi3filter.RegisterBodyDecoder(mediaType, openapi3filter.PlainBodyDecoder)
	}
}

// Contract is an OpenAPI document as kin-openapi reads it, with a router
// that finds the operation a request is for.
type Contract struct {
	doc    *openapi3.T
	router routers.Router
	// options check a response whole; head its status and headers, for
	// a HEAD, which has no body.
	options, head *openapi3filter.Options
}

// Load reads spec, the OpenAPI document, and fails unless it is valid.
func Load(spec []byte) (*Contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
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
	head := *options
	head.ExcludeResponseBody = true
	return &Contract{doc: doc, router: router, options: options, head: &head}, nil
}

// Operations lists the document's operations as method and path
// ("GET /v1/search"), sorted.
func (c *Contract) Operations() []string {
	var ops []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

// Check validates one response to req, its body as a client reads it
// (after Content-Encoding), against the contract: its status is one the
// operation documents (any other gets the default, the error shape), its
// Content-Type one documented for that status, and its body valid against
// the schema given for it. A HEAD is checked as the GET it stands for,
// without the body it lacks. A request the document has no operation for
// must get the API's error shape (chi's 404 and 405), except two answers
// exempt by name: a CORS preflight let through, and a page under /d/
// whose doc_id holds unescaped slashes (the page route takes them; the
// document's {doc_id} cannot).
func (c *Contract) Check(req *http.Request, status int, header http.Header, body []byte) error {
	if header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("gzipped body: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("gzipped body: %w", err)
		}
	}
	options, routed := c.options, req
	if req.Method == http.MethodHead || req.URL.Path == "" {
		routed = req.Clone(req.Context())
	}
	if req.Method == http.MethodHead {
		// kin-openapi passes any answer to a HEAD: it is routed as a GET,
		// whose status and headers it must have.
		options, routed.Method = c.head, http.MethodGet
	}
	if req.URL.Path == "" {
		routed.URL.Path = "/" // as chi routes a target with no path (http://host)
	}
	route, params, err := c.router.FindRoute(routed)
	switch {
	case req.Method == http.MethodOptions && status == http.StatusNoContent && req.Header.Get("Access-Control-Request-Method") != "":
		return nil // a CORS preflight let through: no operation of the API
	case errors.Is(err, routers.ErrPathNotFound) && strings.HasPrefix(req.URL.Path, "/d/") && !strings.HasPrefix(header.Get("Content-Type"), "application/json"):
		return nil // /d/{doc_id} with slashes: the page route takes them as they come
	case errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed):
		return c.checkError(req.Method, status, header, body)
	case err != nil:
		return fmt.Errorf("find the operation: %w", err)
	}
	// kin-openapi passes any 304, documented or not.
	if status == http.StatusNotModified && route.Operation.Responses.Status(status) == nil {
		return fmt.Errorf("%s %s answered 304, which it does not document", req.Method, route.Path)
	}
	if req.Method == http.MethodHead {
		if err := checkHeadType(route, status, header); err != nil {
			return fmt.Errorf("%s %s answered %d: %w", req.Method, route.Path, status, err)
		}
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: routed, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                options,
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("%s %s answered %d: %w", req.Method, route.Path, status, err)
	}
	return nil
}

// checkHeadType checks the Content-Type of an answer to a HEAD, whose
// body kin-openapi is told to skip, and with it the type.
func checkHeadType(route *routers.Route, status int, header http.Header) error {
	ref := route.Operation.Responses.Status(status)
	if ref == nil {
		ref = route.Operation.Responses.Default()
	}
	if ref == nil || ref.Value == nil || len(ref.Value.Content) == 0 {
		return nil // the status is checked by kin-openapi
	}
	if ct := header.Get("Content-Type"); ref.Value.Content.Get(ct) == nil {
		return fmt.Errorf("its Content-Type %q is not one documented for the status", ct)
	}
	return nil
}

// checkError validates a response to a request no operation documents:
// an error status with the one error body (none to a HEAD).
func (c *Contract) checkError(method string, status int, header http.Header, body []byte) error {
	if status < 400 {
		return fmt.Errorf("status %d from a route the document does not have", status)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("status %d: Content-Type %q, want the JSON error", status, ct)
	}
	if method == http.MethodHead {
		return nil
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

// Report fails t, without stopping it, if the response to req breaks the
// contract. It may be called from any goroutine while t runs.
func (c *Contract) Report(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if err := c.Check(req, status, header, body); err != nil {
		t.Errorf("%s %.80s: response breaks api/openapi.json: %v", req.Method, req.URL, err)
	}
}

// Client is an http.Client whose every response is checked, and reported
// through t, by c.Transport.
func (c *Contract) Client(t testing.TB) *http.Client {
	return &http.Client{Transport: c.Transport(t, nil)}
}

// Transport is an http.RoundTripper that sends each request through base
// (http.DefaultTransport when nil), reads the response's body and reports
// through t, as Report does, a response that breaks the contract. The
// caller gets the response as it came, its body still to read. A body
// that breaks off is not checked: the caller sees its error.
func (c *Contract) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{contract: c, t: t, base: base}
}

type transport struct {
	contract *Contract
	t        testing.TB
	base     http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	tr.contract.Report(tr.t, req, resp.StatusCode, resp.Header, body)
	return resp, nil
}

// errReader fails every read with its error.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
