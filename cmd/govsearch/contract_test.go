package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/govsearch/govsearch/api"
	"github.com/govsearch/govsearch/api/apitest"
)

// loadContract reads api/openapi.json once for the package's tests.
var loadContract = sync.OnceValues(func() (*apitest.Contract, error) { return apitest.Load(api.OpenAPI()) })

// contract is the API's contract, which every response the end-to-end
// tests get from the server is checked against.
func contract(t testing.TB) *apitest.Contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkedClient is an http.Client that fails t, without stopping it, on
// each response that breaks api/openapi.json.
func checkedClient(t testing.TB) *http.Client { return contract(t).Client(t) }

// checkRaw checks the server's answer to raw, a request written on the
// socket, against the contract, reading raw back as the server read it.
// The caller skips what net/http answers itself before any handler.
func checkRaw(t testing.TB, raw string, status int, header http.Header, body []byte) error {
	req, err := readRaw(raw)
	if err != nil || req == nil {
		return err
	}
	return contract(t).Check(req, status, header, body)
}

// reportRaw fails t, without stopping it, if the server's answer to raw
// breaks the contract.
func reportRaw(t testing.TB, raw string, status int, header http.Header, body []byte) {
	t.Helper()
	req, err := readRaw(raw)
	switch {
	case err != nil:
		t.Errorf("%.80q: %v", raw, err)
	case req != nil:
		contract(t).Report(t, req, status, header, body)
	}
}

// readRaw reads raw back as the server read it: nil for OPTIONS *, which
// net/http answers itself (200, without a body) before any route.
func readRaw(raw string) (*http.Request, error) {
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return nil, fmt.Errorf("read the request back: %w", err)
	}
	if req.Method == http.MethodOptions && req.RequestURI == "*" {
		return nil, nil
	}
	return req, nil
}
