package api

import (
	_ "embed"
	"net/http"
)

// openAPI is the API's contract, OpenAPI 3.1, served at /openapi.json. A
// test holds it and the router to the same routes and parameters.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns a copy of the contract, api/openapi.json, for the tests
// of other packages to check the API's responses against.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func (h *handlers) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPI)
}
