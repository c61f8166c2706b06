package ongair_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ongair-bridge/ongair-bridge/ongair"
	"github.com/ongair-bridge/ongair-bridge/test/fakeongair"
)

const token = "secret-token-3c9d"

// The client's calls are the ones the (strict) fake of Ongair takes.
func TestSendAgainstFake(t *testing.T) {
	for _, stringIDs := range []bool{false, true} {
		og := fakeongair.New(fakeongair.Config{Token: token, StringIDs: stringIDs})
		t.Cleanup(og.Close)
		og.AddContact("254722200200")
		og.AddContact("123455677")
		og.AddGroup("18")
		c := ongair.New(og.URL(), token)
		ctx := context.Background()

		res, err := c.Send(ctx, ongair.SendRequest{PhoneNumber: "254722200200", ExternalID: "+254722200200", ExternalContactID: "+254722200200", Text: "Hello", Thread: true})
		if err != nil || !res.Sent || res.ID != "2067" {
			t.Fatalf("Send = %+v, %v; want sent with id 2067", res, err)
		}
		if _, err := c.Send(ctx, ongair.SendRequest{ExternalID: "123455677", Text: "Hi Telegram"}); err != nil {
			t.Fatalf("Send by external id: %v", err)
		}
		if _, err := c.SendImage(ctx, ongair.SendImageRequest{PhoneNumber: "254722200200", ImageURL: "https://h/a.png", ContentType: "image/png", Caption: "look"}); err != nil {
			t.Fatalf("SendImage: %v", err)
		}
		if _, err := c.SendGroupMessage(ctx, "18", "Hello group"); err != nil {
			t.Fatalf("SendGroupMessage: %v", err)
		}
		want := []fakeongair.Sent{
			{Kind: "text", ID: 2067, PhoneNumber: "254722200200", ExternalID: "+254722200200", Text: "Hello", Thread: true},
			{Kind: "text", ID: 2068, ExternalID: "123455677", Text: "Hi Telegram"},
			{Kind: "image", ID: 2069, PhoneNumber: "254722200200", Image: "https://h/a.png", ContentType: "image/png", Text: "look"},
			{Kind: "group", ID: 2070, GroupID: "18", Text: "Hello group"},
		}
		got := og.Sent()
		if len(got) != len(want) {
			t.Fatalf("sent %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("sent[%d] = %+v, want %+v", i, got[i], want[i])
			}
		}
	}
}

func TestSendErrors(t *testing.T) {
	og := fakeongair.New(fakeongair.Config{Token: token})
	t.Cleanup(og.Close)
	og.AddContact("254722200200")
	ctx := context.Background()
	tests := []struct {
		name      string
		client    *ongair.Client
		call      func(c *ongair.Client) error
		status    int
		temporary bool
		message   string
	}{
		{"unknown contact", ongair.New(og.URL(), token), func(c *ongair.Client) error {
			_, err := c.Send(ctx, ongair.SendRequest{PhoneNumber: "254700000001", Text: "hi"})
			return err
		}, 422, false, "Contact with phone number 254700000001 does not exists"},
		{"bad token", ongair.New(og.URL(), "wrong"), func(c *ongair.Client) error {
			_, err := c.Send(ctx, ongair.SendRequest{PhoneNumber: "254722200200", Text: "hi"})
			return err
		}, 401, false, "Invalid API Token"},
		{"image without type", ongair.New(og.URL(), token), func(c *ongair.Client) error {
			_, err := c.SendImage(ctx, ongair.SendImageRequest{PhoneNumber: "254722200200", ImageURL: "https://h/a.png"})
			return err
		}, 422, false, "Content type"},
		{"unknown group", ongair.New(og.URL(), token), func(c *ongair.Client) error {
			_, err := c.SendGroupMessage(ctx, "99", "hi")
			return err
		}, 422, false, "No group"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(tc.client)
			var e *ongair.Error
			if !errors.As(err, &e) || e.StatusCode != tc.status || e.Temporary() != tc.temporary || !strings.Contains(e.Message(), tc.message) {
				t.Fatalf("err = %v, want a %d (temporary %v) saying %q", err, tc.status, tc.temporary, tc.message)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error %q holds the token", err)
			}
		})
	}
}

// Answers a real server may give that the fake does not: server errors,
// rate limits, an unusable 2xx, a hang.
func TestSendTransientAndOddAnswers(t *testing.T) {
	answer := func(status int, body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if got := r.Header.Get("Authorization"); got != `Token token="`+token+`"` {
				t.Errorf("Authorization = %q", got)
			}
			w.WriteHeader(status)
			w.Write([]byte(body))
		}))
	}
	tests := []struct {
		name      string
		srv       *httptest.Server
		temporary bool
		message   string
	}{
		{"503", answer(503, "<html>down</html>"), true, "<html>down</html>"},
		{"429", answer(429, `{"error":"slow down"}`), true, "slow down"},
		{"sent false", answer(200, `{"sent":false,"error":"blocked"}`), false, "blocked"},
		{"not JSON", answer(200, `ok`), false, "invalid character"},
		{"token echoed", answer(400, `{"error":"bad token `+token+`"}`), false, "bad token [token]"},
		{"timeout", httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // the server notices the client leaving only after the body
			<-r.Context().Done()
		})), true, "deadline exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.srv.Close()
			c := ongair.New(tc.srv.URL, token, ongair.WithTimeout(200*time.Millisecond))
			_, err := c.Send(context.Background(), ongair.SendRequest{PhoneNumber: "254722200200", Text: "hi"})
			var e *ongair.Error
			if !errors.As(err, &e) || e.Temporary() != tc.temporary || !strings.Contains(e.Message(), tc.message) {
				t.Fatalf("err = %v (message %q), want temporary %v saying %q", err, messageOf(e), tc.temporary, tc.message)
			}
			if !strings.HasPrefix(err.Error(), "ongair send message: POST /api/v1/base/send: ") || strings.Contains(err.Error(), token) {
				t.Errorf("error %q does not name the call, or holds the token", err)
			}
		})
	}
}

func messageOf(e *ongair.Error) string {
	if e == nil {
		return ""
	}
	return e.Message()
}
