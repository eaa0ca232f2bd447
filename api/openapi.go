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

func (h *handlers) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPI)
}
