package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "s3cr3t-t0ken"

// recorded is what the test server saw of a request.
type recorded struct {
	Method      string
	Path        string
	RawQuery    string
	Token       string
	ContentType string
	Body        []byte
}

// newTestClient serves every request with status and body; last returns
// the latest request.
func newTestClient(t *testing.T, status int, body string, opts ...Option) (c *Client, last func() recorded) {
	t.Helper()
	var mu sync.Mutex
	var rec recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		rec = recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("api_access_token"), r.Header.Get("Content-Type"), b}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL, testToken, 7, opts...), func() recorded {
		mu.Lock()
		defer mu.Unlock()
		return rec
	}
}

// apiCase is one call of a client method against a canned response.
type apiCase struct {
	name   string
	call   func(context.Context, *Client) (any, error)
	status int // 200 when 0
	resp   string

	method   string
	path     string
	rawQuery string
	body     string // JSON the request must carry; "" for none
	want     any
	wantErr  string // substring of the error; "" for success
}

func runAPICases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status := tc.status
			if status == 0 {
				status = http.StatusOK
			}
			c, last := newTestClient(t, status, tc.resp)
			got, err := tc.call(context.Background(), c)
			rec := last()
			if tc.method != "" && rec.Method != tc.method {
				t.Errorf("method = %s, want %s", rec.Method, tc.method)
			}
			if tc.path != "" && rec.Path != tc.path {
				t.Errorf("path = %s, want %s", rec.Path, tc.path)
			}
			if rec.RawQuery != tc.rawQuery {
				t.Errorf("query = %q, want %q", rec.RawQuery, tc.rawQuery)
			}
			if rec.Token != testToken {
				t.Errorf("api_access_token = %q, want %q", rec.Token, testToken)
			}
			if tc.body != "" {
				if !strings.HasPrefix(rec.ContentType, "application/json") {
					t.Errorf("Content-Type = %q, want JSON", rec.ContentType)
				}
				assertJSONEqual(t, rec.Body, tc.body)
			} else if len(rec.Body) != 0 {
				t.Errorf("unexpected request body %s", rec.Body)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				var e *Error
				if !errors.As(err, &e) || e.Temporary() {
					t.Errorf("err = %#v, want a permanent *Error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(tc.want))
			}
		})
	}
}

func assertJSONEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad test JSON %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request body = %s, want %s", got, want)
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// allCalls calls every client method once with valid arguments.
var allCalls = map[string]func(context.Context, *Client) error{
	"create contact": func(ctx context.Context, c *Client) error {
		_, err := c.CreateContact(ctx, CreateContactRequest{InboxID: 1, Name: "A"})
		return err
	},
	"search contacts": func(ctx context.Context, c *Client) error {
		_, err := c.SearchContacts(ctx, "+254700000000", 1)
		return err
	},
	"filter contacts": func(ctx context.Context, c *Client) error {
		_, err := c.FilterContacts(ctx, "phone_number", "+254700000000", 1)
		return err
	},
	"create contact inbox": func(ctx context.Context, c *Client) error {
		_, err := c.CreateContactInbox(ctx, 1, 2, "src")
		return err
	},
	"list contact conversations": func(ctx context.Context, c *Client) error {
		_, err := c.ContactConversations(ctx, 1)
		return err
	},
	"create conversation": func(ctx context.Context, c *Client) error {
		_, err := c.CreateConversation(ctx, CreateConversationRequest{SourceID: "s", InboxID: 1, ContactID: 2})
		return err
	},
	"get conversation": func(ctx context.Context, c *Client) error {
		_, err := c.GetConversation(ctx, 3)
		return err
	},
	"toggle status": func(ctx context.Context, c *Client) error {
		_, err := c.ToggleStatus(ctx, 3, "resolved")
		return err
	},
	"create message": func(ctx context.Context, c *Client) error {
		_, err := c.CreateMessage(ctx, 3, CreateMessageRequest{Content: "hi"})
		return err
	},
	"create message with attachment": func(ctx context.Context, c *Client) error {
		_, err := c.CreateMessage(ctx, 3, CreateMessageRequest{Attachments: []Upload{{FileName: "a.txt", Data: []byte("a")}}})
		return err
	},
	"update message status": func(ctx context.Context, c *Client) error {
		return c.UpdateMessageStatus(ctx, 3, 4, "failed", "boom")
	},
}

func TestErrorResponses(t *testing.T) {
	tests := []struct {
		status    int
		body      string
		temporary bool
		notFound  bool
		message   string
		attrs     []string
	}{
		{422, `{"message":"Identifier has already been taken","attributes":["identifier"]}`, false, false, "Identifier has already been taken", []string{"identifier"}},
		{422, `{"error":"Message type is invalid"}`, false, false, "Message type is invalid", nil},
		{422, `{"errors":["Phone number should be in e164 format","Email is invalid"]}`, false, false, "Phone number should be in e164 format; Email is invalid", nil},
		{400, `{"description":"bad","errors":[{"field":"x","message":"x is bad","code":"invalid"}]}`, false, false, "x is bad", nil},
		{401, `{"errors":["You need to sign in or sign up before continuing."]}`, false, false, "You need to sign in or sign up before continuing.", nil},
		{403, ``, false, false, "Forbidden", nil},
		{404, `{"error":"Resource could not be found"}`, false, true, "Resource could not be found", nil},
		{404, `<html>not here</html>`, false, true, "<html>not here</html>", nil},
		{408, ``, true, false, "Request Timeout", nil},
		{429, `Retry later`, true, false, "Retry later", nil},
		{500, `{"status":500,"error":"Internal Server Error"}`, true, false, "Internal Server Error", nil},
		{502, `  `, true, false, "Bad Gateway", nil},
		{503, `{"message":"maintenance"}`, true, false, "maintenance", nil},
	}
	for op, call := range allCalls {
		for _, tc := range tests {
			t.Run(op+"/"+http.StatusText(tc.status), func(t *testing.T) {
				c, last := newTestClient(t, tc.status, tc.body)
				err := call(context.Background(), c)
				rec := last()
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %#v, want *Error", err)
				}
				if !strings.HasPrefix(op, e.Op) {
					t.Errorf("Op = %q, want a prefix of %q", e.Op, op)
				}
				if e.Method != rec.Method || e.Path != rec.Path || e.StatusCode != tc.status || e.Err != nil {
					t.Errorf("Error = %+v, request %s %s", e, rec.Method, rec.Path)
				}
				if got := e.Temporary(); got != tc.temporary {
					t.Errorf("Temporary() = %v, want %v", got, tc.temporary)
				}
				if got := IsNotFound(err); got != tc.notFound {
					t.Errorf("IsNotFound() = %v, want %v", got, tc.notFound)
				}
				if got := e.Message(); got != tc.message {
					t.Errorf("Message() = %q, want %q", got, tc.message)
				}
				if got := e.Attributes(); !reflect.DeepEqual(got, tc.attrs) {
					t.Errorf("Attributes() = %q, want %q", got, tc.attrs)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Errorf("token in error %q", err)
				}
			})
		}
	}
}

func TestErrorString(t *testing.T) {
	c, _ := newTestClient(t, 422, `{"message":"Identifier has already been taken","attributes":["identifier"]}`)
	_, err := c.CreateContact(context.Background(), CreateContactRequest{Identifier: "x"})
	want := `chatwoot create contact: POST /api/v1/accounts/7/contacts: 422 Unprocessable Entity: {"message":"Identifier has already been taken","attributes":["identifier"]}`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestErrorBodyIsTruncatedAndRedacted(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	c, _ := newTestClient(t, 500, `{"echo":"`+testToken+`","x":"`+long+`"}`)
	_, err := c.GetConversation(context.Background(), 1)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if len(e.Body) > 512 || !strings.HasPrefix(e.Body, `{"echo":"[token]"`) {
		t.Errorf("Body = %q (%d bytes)", e.Body, len(e.Body))
	}
	if !json.Valid([]byte(`"`+e.Body[len(e.Body)-2:]+`"`)) || strings.ContainsRune(e.Body, '\uFFFD') {
		t.Errorf("Body cut inside a rune: %q", e.Body[len(e.Body)-4:])
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(e.Message(), testToken) {
		t.Errorf("token in %q", err)
	}
}

func TestUndecodableSuccess(t *testing.T) {
	for _, body := range []string{`<html>login</html>`, `{}`, `{"payload":{}}`, `[1]`} {
		for op, call := range allCalls {
			if op == "update message status" {
				continue // its response is not read
			}
			t.Run(op+"/"+body, func(t *testing.T) {
				c, _ := newTestClient(t, 200, body)
				err := call(context.Background(), c)
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %#v, want *Error", err)
				}
				if e.Temporary() || e.StatusCode != 200 || e.Err != nil || e.Unwrap() == nil {
					t.Errorf("Error = %+v, want permanent with a cause", e)
				}
				if !strings.Contains(e.Error(), "200 OK: invalid response") {
					t.Errorf("Error() = %q", e)
				}
			})
		}
	}
}

func TestTransportErrors(t *testing.T) {
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-block:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(block) })
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name    string
		client  *Client
		ctx     context.Context
		wantErr error
	}{
		{"client timeout", New(slow.URL, testToken, 7, WithTimeout(20*time.Millisecond)), context.Background(), context.DeadlineExceeded},
		{"context deadline", New(slow.URL, testToken, 7), expiredContext(t), context.DeadlineExceeded},
		{"context canceled", New(slow.URL, testToken, 7), canceled, context.Canceled},
		{"connection refused", New(closed.URL, testToken, 7), context.Background(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client.CreateMessage(tc.ctx, 3, CreateMessageRequest{Content: "hi"})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %#v, want *Error", err)
			}
			if !e.Temporary() || e.StatusCode != 0 || e.Err == nil {
				t.Errorf("Error = %+v, want temporary transport error", e)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "chatwoot create message: POST /api/v1/accounts/7/conversations/3/messages: ") {
				t.Errorf("Error() = %q", err)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(e.Message(), testToken) {
				t.Errorf("token in %q", err)
			}
		})
	}
}

func expiredContext(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	t.Cleanup(cancel)
	return ctx
}

func TestBaseURLAndHTTPClient(t *testing.T) {
	paths := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths <- r.URL.Path
		io.WriteString(w, `{"id":5}`)
	}))
	t.Cleanup(srv.Close)
	hc := &http.Client{}
	c := New(srv.URL+"/helpdesk/", testToken, 9, WithHTTPClient(hc), WithTimeout(time.Minute))
	if _, err := c.GetConversation(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	if gotPath := <-paths; gotPath != "/helpdesk/api/v1/accounts/9/conversations/5" {
		t.Errorf("path = %s", gotPath)
	}
	if hc.CheckRedirect != nil || hc.Transport != nil || hc.Timeout != 0 {
		t.Errorf("WithHTTPClient modified the caller's client: %+v", hc)
	}
}

func TestRedirectKeepsTokenOnItsHost(t *testing.T) {
	foreignToken, sameToken := make(chan string, 1), make(chan string, 1)
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignToken <- r.Header.Get("api_access_token")
		io.WriteString(w, `{"id":1}`)
	}))
	t.Cleanup(foreign.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/accounts/7/conversations/1":
			http.Redirect(w, r, foreign.URL+"/x", http.StatusFound)
		case "/api/v1/accounts/7/conversations/2":
			http.Redirect(w, r, "/moved", http.StatusFound)
		default:
			sameToken <- r.Header.Get("api_access_token")
			io.WriteString(w, `{"id":2}`)
		}
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, testToken, 7)
	for _, id := range []int64{1, 2} {
		if _, err := c.GetConversation(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if <-foreignToken != "" {
		t.Errorf("token sent to another host")
	}
	if <-sameToken != testToken {
		t.Errorf("token dropped on a same-host redirect")
	}
}

// FuzzResponses: whatever the helpdesk answers, decoding it into the
// client's types and reading an error's reason never panic.
func FuzzResponses(f *testing.F) {
	for _, s := range []string{
		`{"payload":{"contact":{"id":1,"contact_inboxes":[{"source_id":"s","inbox":{"id":7}}]},"contact_inbox":{"source_id":"s"}}}`,
		`{"meta":{"count":1},"payload":[{"id":"2","phone_number":254,"custom_attributes":"{}"}]}`,
		`{"id":1,"message_type":1,"created_at":1700000000.5,"attachments":[{"id":"3","file_size":1.0}],"sender":{"id":null}}`,
		`{"message":"Identifier has already been taken","attributes":["identifier"]}`,
		`{"errors":{"phone_number":["is invalid",{"message":"x"}]}}`, `{"error":[1,[2]]}`, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var contacts []Contact
		_ = decodePayload(body, &contacts)
		var conv Conversation
		_ = decodePayload(body, &conv)
		var msg Message
		_ = decodePayload(body, &msg)
		var ci ContactInbox
		_ = decodePayload(body, &ci)
		e := &Error{Op: "create contact", Method: "POST", Path: "/x", StatusCode: 422, Body: string(body)}
		_ = e.Message()
		_ = e.Attributes()
		_ = e.Error()
	})
}
