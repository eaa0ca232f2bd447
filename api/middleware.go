package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/time/rate"
)

// cors answers cross-origin requests from the allowed origins: a newsroom's
// pages call the API from their own origin. Preflight requests get 204 with
// the allowed method and headers; other origins get no CORS headers, so
// browsers refuse them. "*" allows any origin.
func cors(origins []string) func(http.Handler) http.Handler {
	any := slices.Contains(origins, "*")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Every answer varies by Origin, the ones to requests
			// without one too: a browser or a CDN that cached a
			// same-origin answer (no Access-Control-Allow-Origin) would
			// hand it to a newsroom's page, whose fetch then fails.
			if len(origins) > 0 {
				w.Header().Add("Vary", "Origin")
			}
			origin := r.Header.Get("Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			if !any && !slices.Contains(origins, origin) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", "ETag, X-Request-Id, Retry-After")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type, If-None-Match, X-Request-Id")
				w.Header().Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// MaxHeaderBytes bounds a request's header fields, names and values
// together (the request line is not counted): beyond it the API answers
// 431 with its JSON error. The http.Server in front must read more than
// this (its MaxHeaderBytes counts the request line as well), or net/http
// refuses the request first, in plain text.
const MaxHeaderBytes = 16 << 10

// limitHeaders answers 431 header_too_large to a request whose header
// fields exceed MaxHeaderBytes.
func limitHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := len("Host: \r\n") + len(r.Host)
		for name, values := range r.Header {
			for _, v := range values {
				n += len(name) + len(": \r\n") + len(v)
			}
		}
		if n > MaxHeaderBytes {
			writeJSON(w, http.StatusRequestHeaderFieldsTooLarge, errorBody("header_too_large",
				fmt.Sprintf("the request's header fields are %d bytes, the limit is %d", n, MaxHeaderBytes)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxRequestIDLen bounds the X-Request-Id a client may choose.
const maxRequestIDLen = 64

// cleanRequestID drops a client's X-Request-Id that is longer than
// maxRequestIDLen or holds anything but printable ASCII, so that
// middleware.RequestID makes one up instead: the id is echoed in a
// response header and written to every log line of the request.
func cleanRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(middleware.RequestIDHeader); id != "" && !printableID(id) {
			r.Header.Del(middleware.RequestIDHeader)
		}
		next.ServeHTTP(w, r)
	})
}

func printableID(id string) bool {
	if len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// maxBodyBytes bounds request bodies; the public routes take none.
const maxBodyBytes = 1 << 20

// limitBody caps the body a handler can read. PUT, which carries a
// document, has its own larger limit (see putDocument).
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > maxBodyBytes {
			writeJSON(w, http.StatusRequestEntityTooLarge, errorBody("body_too_large", fmt.Sprintf("the request body is %d bytes, the limit is %d", r.ContentLength, maxBodyBytes)))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// rateLimiter gives each client (by IP address) a token bucket. Idle
// buckets are dropped, so memory stays bounded by the clients of the last
// few minutes.
type rateLimiter struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	seen  map[string]*clientBucket
	last  time.Time // last sweep of idle buckets
}

type clientBucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	return &rateLimiter{limit: rate.Limit(perSecond), burst: max(burst, 1), seen: map[string]*clientBucket{}, last: time.Now()}
}

// allow takes a token for client, or says how long until one is free.
func (l *rateLimiter) allow(client string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.last) > time.Minute {
		for k, b := range l.seen {
			if now.Sub(b.used) > 5*time.Minute {
				delete(l.seen, k)
			}
		}
		l.last = now
	}
	b := l.seen[client]
	if b == nil {
		b = &clientBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.seen[client] = b
	}
	b.used = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// middleware answers 429 with Retry-After to a client over its rate.
func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.allow(clientIP(r), time.Now()); !ok {
			writeTooMany(w, wait, "too many requests")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientIP is the address a rate limit counts requests by.
func clientIP(r *http.Request) string {
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return client
}

// writeTooMany answers 429 rate_limited, with Retry-After in whole seconds.
func writeTooMany(w http.ResponseWriter, wait time.Duration, why string) {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, http.StatusTooManyRequests, errorBody("rate_limited", fmt.Sprintf("%s; retry in %d s", why, secs)))
}

// writeCacheable writes v as JSON with an ETag and a public max-age, so a
// CDN in front of the API can cache it, and answers 304 when the client
// already holds this representation. The ETag is a hash of tag's JSON:
// v without what changes from one identical request to the next (a
// search's took_ms).
func writeCacheable(w http.ResponseWriter, r *http.Request, v, tag any) {
	var buf bytes.Buffer
	encodeJSON(&buf, tag)
	sum := sha256.Sum256(buf.Bytes())
	buf.Reset()
	encodeJSON(&buf, v)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=60")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// etagMatches implements If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
