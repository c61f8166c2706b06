// Package ongair is a client for Ongair's send API and a parser for the
// notifications Ongair posts to a channel's API endpoint.
package ongair

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"
)

const (
	defaultTimeout = 30 * time.Second
	maxErrorBody   = 512
)

// Client calls Ongair's API with one account's token. It is safe for
// concurrent use.
type Client struct {
	rc      *resty.Client
	hc      *http.Client
	token   string
	timeout time.Duration
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

// New returns a client for the Ongair at baseURL ("https://ongair.im", or
// "https://beta.ongair.im" for beta accounts).
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{token: token, timeout: defaultTimeout}
	for _, opt := range opts {
		opt(c)
	}
	hc := &http.Client{}
	if c.hc != nil {
		cp := *c.hc
		hc = &cp
	}
	c.hc = hc
	// net/http drops Authorization itself when a redirect leaves the host.
	c.rc = resty.NewWithClient(hc).
		SetBaseURL(strings.TrimRight(baseURL, "/")).
		SetHeader("Authorization", `Token token="`+token+`"`).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "ongair-bridge").
		SetLogger(discardLogger{})
	return c
}

// do posts form to path and hands a 2xx body to decode. Every failure is an
// *Error.
func (c *Client) do(ctx context.Context, op, path string, form url.Values, decode func([]byte) error) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	e := &Error{Op: op, Method: http.MethodPost, Path: path}
	resp, err := c.rc.R().SetContext(ctx).SetFormDataFromValues(form).Post(path)
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
	if err := decode(body); err != nil {
		e.Body = c.snippet(body)
		e.cause = err
		return e
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

// Error is the error of every call. It never holds the API token.
type Error struct {
	Op         string // what was attempted, e.g. "send message"
	Method     string
	Path       string
	StatusCode int    // 0 when there was no response
	Body       string // response body, at most 512 bytes
	Err        error  // transport error, nil when there was a response

	cause error // why a 2xx response could not be used
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ongair %s: %s %s: ", e.Op, e.Method, e.Path)
	if e.StatusCode == 0 {
		if e.Err != nil {
			b.WriteString(transportText(e.Err))
		} else {
			b.WriteString("no response")
		}
		return b.String()
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.cause != nil {
		b.WriteString(": invalid response: " + e.cause.Error())
	}
	if e.Body != "" {
		b.WriteString(": " + e.Body)
	}
	return b.String()
}

func (e *Error) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return e.cause
}

// Temporary reports whether the same call may succeed later: no response
// (including a timeout), 408, 429 or 5xx. A 2xx that could not be used (such
// as "sent":false) is not.
func (e *Error) Temporary() bool {
	switch {
	case e.StatusCode == 0:
		return e.Err != nil
	case e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooManyRequests:
		return true
	}
	return e.StatusCode >= 500
}

// Message is Ongair's reason for the failure: the body's "error" or
// "message", else the body, else the status.
func (e *Error) Message() string {
	var body map[string]any
	if json.Unmarshal([]byte(e.Body), &body) == nil {
		for _, key := range []string{"error", "message", "errors"} {
			if s, ok := body[key].(string); ok && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
	}
	switch {
	case strings.TrimSpace(e.Body) != "" && e.cause == nil:
		return strings.TrimSpace(e.Body)
	case e.cause != nil:
		return e.cause.Error()
	case e.StatusCode == 0 && e.Err != nil:
		return transportText(e.Err)
	case e.StatusCode == 0:
		return "no response"
	}
	return http.StatusText(e.StatusCode)
}

// transportText leaves out the URL that *url.Error repeats.
func transportText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}
