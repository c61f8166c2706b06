// Package chatwoot is a client for the application API of Chatwoot and its
// forks (OneHash Chat, Hoory) as used by an API-channel inbox, and a parser
// for the webhooks such an inbox sends.
package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"
)

const (
	tokenHeader    = "api_access_token"
	defaultTimeout = 30 * time.Second
	maxErrorBody   = 512
)

// Client calls one account of a Chatwoot-compatible helpdesk. It is safe
// for concurrent use.
type Client struct {
	rc        *resty.Client
	hc        *http.Client
	token     string
	accountID int64
	timeout   time.Duration
}

type Option func(*Client)

// WithHTTPClient makes the client send through a copy of hc; hc itself is
// not modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc = hc }
}

// WithTimeout bounds each call, including reading the response. The default
// is 30s; d <= 0 leaves calls bounded only by their context.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = d }
}

// New returns a client for the account accountID at baseURL (such as
// "https://app.chatwoot.com"), authenticated by an access token.
func New(baseURL, token string, accountID int64, opts ...Option) *Client {
	c := &Client{token: token, accountID: accountID, timeout: defaultTimeout}
	for _, opt := range opts {
		opt(c)
	}
	hc := &http.Client{}
	if c.hc != nil {
		cp := *c.hc
		hc = &cp
	}
	hc.CheckRedirect = keepTokenOnHost(hc.CheckRedirect)
	c.hc = hc
	c.rc = resty.NewWithClient(hc).
		SetBaseURL(strings.TrimRight(baseURL, "/")).
		SetHeader(tokenHeader, token).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "ongair-bridge").
		SetJSONEscapeHTML(false).
		SetLogger(discardLogger{})
	return c
}

// keepTokenOnHost drops the token header when a redirect leaves the host or
// the scheme: net/http only does that for Authorization and Cookie.
func keepTokenOnHost(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if first := via[0].URL; req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
			req.Header.Del(tokenHeader)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

func (c *Client) accountPath(format string, args ...any) string {
	return fmt.Sprintf("/api/v1/accounts/%d/", c.accountID) + fmt.Sprintf(format, args...)
}

// do sends r and hands a 2xx body to decode (if not nil). Every failure is
// an *Error.
func (c *Client) do(ctx context.Context, op, method, path string, r *resty.Request, decode func([]byte) error) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	e := &Error{Op: op, Method: method, Path: path}
	resp, err := r.SetContext(ctx).Execute(method, path)
	if err != nil {
		e.Err = err
		return e
	}
	e.StatusCode = resp.StatusCode()
	body := resp.Body()
	if e.StatusCode < 200 || e.StatusCode > 299 {
		e.Body = c.snippet(body)
		return e
	}
	if decode != nil {
		if err := decode(body); err != nil {
			e.Body = c.snippet(body)
			e.cause = err
			return e
		}
	}
	return nil
}

// snippet is a response body fit for an error message: trimmed, cut to
// maxErrorBody bytes on a rune boundary, and without the token should the
// server echo it.
func (c *Client) snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if c.token != "" {
		s = strings.ReplaceAll(s, c.token, "[token]")
	}
	if len(s) > maxErrorBody {
		cut := maxErrorBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// decodePayload decodes body, or its "payload" member when it has one, into
// v: Chatwoot wraps some responses and not others, and versions differ.
func decodePayload(body []byte, v any) error {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) == nil {
		if p, ok := env["payload"]; ok {
			body = p
		}
	}
	return json.Unmarshal(body, v)
}

// Error is the error of every call. It never holds the access token.
type Error struct {
	Op         string // what was attempted, e.g. "create contact"
	Method     string
	Path       string // URL path without query
	StatusCode int    // 0 when there was no response
	Body       string // response body, at most 512 bytes
	Err        error  // transport error, nil when there was a response

	cause error // why a 2xx response could not be used
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chatwoot %s: %s %s: ", e.Op, e.Method, e.Path)
	if e.StatusCode == 0 {
		if e.Err != nil {
			b.WriteString(transportText(e.Err))
		} else {
			b.WriteString("no response")
		}
		return b.String()
	}
	b.WriteString(statusText(e.StatusCode))
	if e.cause != nil {
		b.WriteString(": invalid response: " + e.cause.Error())
	}
	if e.Body != "" {
		b.WriteString(": " + e.Body)
	}
	return b.String()
}

// transportText leaves out the URL that *url.Error repeats.
func transportText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

func (e *Error) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return e.cause
}

// Temporary reports whether the same call may succeed later: no response
// (including a timeout or a canceled context), 408, 429 or 5xx.
func (e *Error) Temporary() bool {
	switch {
	case e.StatusCode == 0:
		return e.Err != nil
	case e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooManyRequests:
		return true
	}
	return e.StatusCode >= 500
}

// Message is the helpdesk's reason for the failure: the body's "message",
// "error" or "errors", else the body, else the status.
func (e *Error) Message() string {
	var body map[string]json.RawMessage
	if json.Unmarshal([]byte(e.Body), &body) == nil {
		for _, key := range []string{"message", "error", "errors"} {
			if s := reasonText(body[key]); s != "" {
				return s
			}
		}
	}
	if s := strings.TrimSpace(e.Body); s != "" {
		return s
	}
	if e.StatusCode == 0 {
		if e.Err != nil {
			return transportText(e.Err)
		}
		return "no response"
	}
	if e.cause != nil {
		return "invalid response: " + e.cause.Error()
	}
	return http.StatusText(e.StatusCode)
}

// reasonText flattens the shapes Rails uses for errors: a string, a list of
// strings or of {"message":…} objects, or an object of field → messages.
func reasonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case []any:
		var parts []string
		for _, item := range v {
			if s := itemText(item); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		if s := itemText(v); s != "" {
			return s
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			if s := reasonText(mustJSON(v[k])); s != "" {
				parts = append(parts, k+" "+s)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

func itemText(item any) string {
	switch item := item.(type) {
	case string:
		return strings.TrimSpace(item)
	case map[string]any:
		for _, key := range []string{"message", "full_message", "error"} {
			if s, ok := item[key].(string); ok && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// Attributes are the fields a 422 blames, e.g. ["identifier"] for a
// duplicate contact.
func (e *Error) Attributes() []string {
	var body struct {
		Attributes []any `json:"attributes"`
	}
	if json.Unmarshal([]byte(e.Body), &body) != nil {
		return nil
	}
	var attrs []string
	for _, a := range body.Attributes {
		if s, ok := a.(string); ok {
			attrs = append(attrs, s)
		}
	}
	return attrs
}

// IsNotFound reports whether err is an *Error for a 404 response.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}
