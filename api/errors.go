package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/govsearch/govsearch/index"
)

// apiError is an error with the status and code a client sees.
type apiError struct {
	status  int
	code    string
	message string
	param   string // the parameter at fault, for invalid_parameter
}

func (e *apiError) Error() string { return e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// badParam is a 400 that names the parameter and what is wrong with it.
func badParam(param, format string, args ...any) *apiError {
	e := errorf(http.StatusBadRequest, "invalid_parameter", "%s: %s", param, fmt.Sprintf(format, args...))
	e.param = param
	return e
}

// statusTable maps domain errors to responses. Anything not in it is a 500
// whose body says only "internal error"; the details go to the log. param
// names the parameter a domain error is about; message, when set, replaces
// the error's text, which for a timeout may come from deep in the index.
var statusTable = []struct {
	err     error
	status  int
	code    string
	param   string
	message string
}{
	{index.ErrNotFound, http.StatusNotFound, "not_found", "", ""},
	// The index's only query errors are about q: the API checks from and
	// size itself.
	{index.ErrBadQuery, http.StatusBadRequest, "invalid_query", "q", ""},
	{index.ErrFrontMatter, http.StatusBadRequest, "invalid_document", "", ""},
	{index.ErrEncoding, http.StatusBadRequest, "invalid_document", "", ""},
	{index.ErrEmpty, http.StatusBadRequest, "invalid_document", "", ""},
	{index.ErrNotMarkdown, http.StatusBadRequest, "invalid_document", "", ""},
	{index.ErrTooBig, http.StatusRequestEntityTooLarge, "body_too_large", "", ""},
	{index.ErrBusy, http.StatusConflict, "busy", "", ""},
	// A costly query (common single characters) that found the lane for
	// such queries busy until its time ran out.
	{index.ErrOverloaded, http.StatusTooManyRequests, "overloaded", "q", ""},
	// A write the server's disk has no room for is refused whole; the
	// error's text names server paths.
	{index.ErrNoSpace, http.StatusInsufficientStorage, "insufficient_storage", "", "the server's disk is full: the write was refused and nothing changed; send it again once the operator has freed space"},
	// Its message names the generation, not a path, and what to do.
	{index.ErrDamaged, http.StatusServiceUnavailable, "index_damaged", "", ""},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "timeout", "", "the request took longer than the server allows; try a narrower query"},
	{context.Canceled, 499, "canceled", "", "the request was canceled"},
}

// classify maps err to what a client is told: status, code, message and
// the parameter at fault. ok is false for an internal error, whose details
// only the log may see. The JSON API and the pages both answer through it.
func classify(err error) (status int, code, message, param string, ok bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.code, ae.message, ae.param, true
	}
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.status, e.code, cmp.Or(e.message, err.Error()), e.param, true
		}
	}
	return http.StatusInternalServerError, "internal", "internal error", "", false
}

// writeError writes err as the one JSON error shape of the API.
func (h *handlers) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, message, param, ok := classify(err)
	if !ok {
		h.log.Error("internal error", "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path, "err", err)
	}
	if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "2") // a costly query's lane frees within a second or two
	}
	body := errorBody(code, message)
	body.Error.Param = param
	writeJSON(w, status, body)
}

// errorJSON is the body of every error response.
type errorJSON struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		// Param names the parameter at fault, for invalid_parameter.
		Param string `json:"param,omitempty"`
	} `json:"error"`
}

func errorBody(code, message string) errorJSON {
	var e errorJSON
	e.Error.Code = code
	e.Error.Message = message
	return e
}

// writeJSON writes v as the response body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	encodeJSON(w, v)
}

// encodeJSON writes v as JSON without escaping <, > and & (snippets carry
// their own, escaped, HTML).
func encodeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
